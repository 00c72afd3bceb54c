#pragma once
// JSON-RPC 2.0 messages as they travel between panel and agent: one JSON object per line.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace fulcrum::protocol {

// Standard JSON-RPC codes plus Fulcrum's own in the implementation-defined server range.
enum class ErrorCode : int {
    ParseError = -32700,
    InvalidRequest = -32600,
    MethodNotFound = -32601,
    InvalidParams = -32602,
    InternalError = -32603,

    IncompatibleVersion = -32000,  // agent.hello with another protocol major; data: {agent, client}
    ConfigInvalid = -32001,        // data: {errors: [ValidationError]}; nothing was changed
    NotFound = -32002,             // unknown worker group, instance, config version, subscription
    Conflict = -32003,             // e.g. config.apply with a stale expected_version
    Unavailable = -32004,          // the part is not running or not supported on this host
    OperationFailed = -32005,      // the host refused (I/O, exec, permission); message says why
    MessageTooLarge = -32006,      // a line longer than the decoder's limit; it was discarded
    HelloRequired = -32007,        // a call before agent.hello on this connection
};

std::string_view error_code_name(ErrorCode code);

struct Error {
    int code = static_cast<int>(ErrorCode::InternalError);
    std::string message;
    nlohmann::json data;  // null when absent

    static Error make(ErrorCode code, std::string message, nlohmann::json data = nullptr) {
        return Error{static_cast<int>(code), std::move(message), std::move(data)};
    }
    bool is(ErrorCode c) const { return code == static_cast<int>(c); }
    bool operator==(const Error&) const = default;
};

// A request id is a number or a string; null only in answers to requests whose id was unreadable.
using Id = nlohmann::json;

struct Request {
    Id id;
    std::string method;
    nlohmann::json params;  // object, array or null (absent)
    bool operator==(const Request&) const = default;
};

struct Notification {
    std::string method;
    nlohmann::json params;
    bool operator==(const Notification&) const = default;
};

struct Response {
    Id id;
    std::optional<nlohmann::json> result;  // exactly one of result/error is set
    std::optional<Error> error;

    static Response success(Id id, nlohmann::json result) { return Response{std::move(id), std::move(result), {}}; }
    static Response failure(Id id, Error error) { return Response{std::move(id), {}, std::move(error)}; }
    bool operator==(const Response&) const = default;
};

// What a line turned out to be. A line that is not a valid message becomes a DecodeFailure
// carrying the error to answer with (and the request id, when one could be read).
struct DecodeFailure {
    Error error;
    Id id;  // null if the id could not be read
};

using Message = std::variant<Request, Notification, Response, DecodeFailure>;

// Maximum nesting of arrays/objects accepted in a message. Deeper input is rejected before
// parsing, so hostile lines cannot exhaust the stack in code that walks the tree recursively.
inline constexpr int kMaxNestingDepth = 64;

// Counts bracket depth outside strings; cheaper than parsing and bounded by the text length.
// Used before parsing anything hostile (RPC lines, config texts) with nlohmann's recursive code.
bool nesting_within_limit(std::string_view text, int limit = kMaxNestingDepth);

// Parses one line (without its newline). Never throws.
Message decode_message(std::string_view line);

// Serialises a message as one line ending in '\n'. Invalid UTF-8 in strings is replaced, so
// encoding never throws on data read from processes or files.
std::string encode(const Request& message);
std::string encode(const Notification& message);
std::string encode(const Response& message);

}  // namespace fulcrum::protocol
