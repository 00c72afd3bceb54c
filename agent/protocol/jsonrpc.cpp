#include "agent/protocol/jsonrpc.h"

namespace fulcrum::protocol {
namespace {

using nlohmann::json;

std::string dump_line(const json& j) {
    std::string line = j.dump(-1, ' ', false, json::error_handler_t::replace);
    line.push_back('\n');
    return line;
}

}  // namespace

bool nesting_within_limit(std::string_view text, int limit) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
            case '"': in_string = true; break;
            case '[':
            case '{':
                if (++depth > limit) return false;
                break;
            case ']':
            case '}': --depth; break;
            default: break;
        }
    }
    return true;
}

namespace {

bool valid_id(const json& id) { return id.is_string() || id.is_number_integer() || id.is_number_unsigned(); }

DecodeFailure failure(ErrorCode code, std::string message, Id id = nullptr) {
    return DecodeFailure{Error::make(code, std::move(message)), std::move(id)};
}

Message decode_error_object(const json& raw, Id id) {
    if (!raw.is_object()) return failure(ErrorCode::InvalidRequest, "\"error\" must be an object", std::move(id));
    auto code = raw.find("code");
    auto message = raw.find("message");
    if (code == raw.end() || !code->is_number_integer())
        return failure(ErrorCode::InvalidRequest, "\"error.code\" must be an integer", std::move(id));
    if (message == raw.end() || !message->is_string())
        return failure(ErrorCode::InvalidRequest, "\"error.message\" must be a string", std::move(id));
    Error error;
    error.code = code->get<int>();
    error.message = message->get<std::string>();
    if (auto data = raw.find("data"); data != raw.end()) error.data = *data;
    return Response::failure(std::move(id), std::move(error));
}

}  // namespace

std::string_view error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::ParseError: return "parse error";
        case ErrorCode::InvalidRequest: return "invalid request";
        case ErrorCode::MethodNotFound: return "method not found";
        case ErrorCode::InvalidParams: return "invalid params";
        case ErrorCode::InternalError: return "internal error";
        case ErrorCode::IncompatibleVersion: return "incompatible protocol version";
        case ErrorCode::ConfigInvalid: return "config invalid";
        case ErrorCode::NotFound: return "not found";
        case ErrorCode::Conflict: return "conflict";
        case ErrorCode::Unavailable: return "unavailable";
        case ErrorCode::OperationFailed: return "operation failed";
        case ErrorCode::MessageTooLarge: return "message too large";
        case ErrorCode::HelloRequired: return "agent.hello required";
    }
    return "unknown error";
}

Message decode_message(std::string_view line) {
    if (!nesting_within_limit(line))
        return failure(ErrorCode::ParseError,
                       "JSON nested deeper than " + std::to_string(kMaxNestingDepth) + " levels");
    json doc = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return failure(ErrorCode::ParseError, "line is not valid JSON");
    if (!doc.is_object()) return failure(ErrorCode::InvalidRequest, "message must be a JSON object (batches are not supported)");

    Id id = nullptr;
    const auto id_it = doc.find("id");
    const bool has_id = id_it != doc.end();
    if (has_id && !id_it->is_null()) {
        if (!valid_id(*id_it)) return failure(ErrorCode::InvalidRequest, "\"id\" must be a string or an integer");
        id = *id_it;
    }

    auto version = doc.find("jsonrpc");
    if (version == doc.end() || *version != "2.0")
        return failure(ErrorCode::InvalidRequest, "\"jsonrpc\" must be \"2.0\"", id);

    const auto method = doc.find("method");
    if (method != doc.end()) {
        if (!method->is_string() || method->get_ref<const std::string&>().empty())
            return failure(ErrorCode::InvalidRequest, "\"method\" must be a non-empty string", id);
        json params = nullptr;
        if (auto p = doc.find("params"); p != doc.end()) {
            if (!p->is_object() && !p->is_array() && !p->is_null())
                return failure(ErrorCode::InvalidRequest, "\"params\" must be an object or an array", id);
            params = *p;
        }
        if (!has_id) return Notification{method->get<std::string>(), std::move(params)};
        if (id.is_null()) return failure(ErrorCode::InvalidRequest, "\"id\" must not be null in a request");
        return Request{std::move(id), method->get<std::string>(), std::move(params)};
    }

    const auto result = doc.find("result");
    const auto error = doc.find("error");
    if (result != doc.end() && error != doc.end())
        return failure(ErrorCode::InvalidRequest, "a response has either \"result\" or \"error\", not both", id);
    if (!has_id) return failure(ErrorCode::InvalidRequest, "a response needs an \"id\"");
    if (result != doc.end()) {
        if (id.is_null()) return failure(ErrorCode::InvalidRequest, "a successful response needs a non-null \"id\"");
        return Response::success(std::move(id), *result);
    }
    if (error != doc.end()) return decode_error_object(*error, std::move(id));
    return failure(ErrorCode::InvalidRequest, "message has neither \"method\" nor \"result\"/\"error\"", id);
}

std::string encode(const Request& message) {
    json j{{"jsonrpc", "2.0"}, {"id", message.id}, {"method", message.method}};
    if (!message.params.is_null()) j["params"] = message.params;
    return dump_line(j);
}

std::string encode(const Notification& message) {
    json j{{"jsonrpc", "2.0"}, {"method", message.method}};
    if (!message.params.is_null()) j["params"] = message.params;
    return dump_line(j);
}

std::string encode(const Response& message) {
    json j{{"jsonrpc", "2.0"}, {"id", message.id}};
    if (message.error) {
        json error{{"code", message.error->code}, {"message", message.error->message}};
        if (!message.error->data.is_null()) error["data"] = message.error->data;
        j["error"] = std::move(error);
    } else {
        j["result"] = message.result.value_or(json(nullptr));
    }
    return dump_line(j);
}

}  // namespace fulcrum::protocol
