#include "proxy/admin/admin_request.h"

#include <array>
#include <utility>

namespace fulcrum::proxy::admin {

namespace {

constexpr std::array<std::pair<std::string_view, AdminCommand>, 10> kCommands{{
    {"stats", AdminCommand::stats},
    {"metrics", AdminCommand::metrics},
    {"set_server", AdminCommand::set_server},
    {"add_server", AdminCommand::add_server},
    {"remove_server", AdminCommand::remove_server},
    {"replace_pool", AdminCommand::replace_pool},
    {"replace_config", AdminCommand::replace_config},
    {"server_status", AdminCommand::server_status},
    {"reload_certificates", AdminCommand::reload_certificates},
    {"config", AdminCommand::config},
}};

// Nesting depth outside strings, measured before parsing so a line of ten thousand '['
// cannot exhaust the stack of the recursive parser. agent/protocol has the same guard for
// RPC lines; proxy/ may not link it (layering), hence this copy.
std::size_t nesting_depth(std::string_view text, std::size_t stop_after) {
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {
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
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest) deepest = depth;
            if (deepest > stop_after) return deepest;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

bool is_id(const nlohmann::json& id) { return id.is_null() || id.is_string() || id.is_number_integer(); }

AdminParseResult fail(nlohmann::json id, std::string message) {
    AdminParseResult out;
    out.id = std::move(id);
    out.error = std::move(message);
    return out;
}

// Reads a required non-empty string member of at most 512 bytes.
bool string_member(const nlohmann::json& object, const char* key, std::string& out, std::string& error) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) {
        error = std::string("\"") + key + "\" must be a string";
        return false;
    }
    out = it->get<std::string>();
    if (out.empty() || out.size() > 512) {
        error = std::string("\"") + key + "\" must be 1 to 512 bytes";
        return false;
    }
    return true;
}

}  // namespace

const char* to_string(AdminCommand command) {
    for (const auto& [name, value] : kCommands) {
        if (value == command) return name.data();
    }
    return "unknown";
}

AdminParseResult parse_admin_request(std::string_view line, const AdminLimits& limits) {
    if (line.size() > limits.max_line_bytes) {
        return fail(nullptr, "request line longer than " + std::to_string(limits.max_line_bytes) + " bytes");
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (nesting_depth(line, limits.max_depth) > limits.max_depth) {
        return fail(nullptr, "request nested deeper than " + std::to_string(limits.max_depth) + " levels");
    }
    nlohmann::json document = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded()) return fail(nullptr, "request is not valid JSON");
    if (!document.is_object()) return fail(nullptr, "request must be a JSON object");

    nlohmann::json id = document.contains("id") ? document["id"] : nlohmann::json();
    if (!is_id(id)) return fail(nullptr, "\"id\" must be a string, an integer or null");

    AdminRequest request;
    request.id = id;
    const auto command = document.find("command");
    if (command == document.end() || !command->is_string()) return fail(id, "\"command\" must be a string");
    bool known = false;
    for (const auto& [name, value] : kCommands) {
        if (*command == name) {
            request.command = value;
            known = true;
        }
    }
    if (!known) return fail(id, "unknown command \"" + command->get<std::string>() + "\"");

    std::string error;
    auto allowed_keys = [&](std::initializer_list<std::string_view> extra) {
        for (const auto& [key, value] : document.items()) {
            if (key == "id" || key == "command") continue;
            bool allowed = false;
            for (const auto name : extra) allowed = allowed || key == name;
            if (!allowed) {
                error = "unexpected key \"" + key + "\" for " + to_string(request.command);
                return false;
            }
        }
        return true;
    };

    switch (request.command) {
        case AdminCommand::stats:
        case AdminCommand::metrics:
        case AdminCommand::reload_certificates:
        case AdminCommand::config:
            if (!allowed_keys({})) return fail(id, error);
            break;
        case AdminCommand::server_status:
        case AdminCommand::remove_server:
            if (!allowed_keys({"pool", "address"}) || !string_member(document, "pool", request.pool, error) ||
                !string_member(document, "address", request.address, error)) {
                return fail(id, error);
            }
            break;
        case AdminCommand::set_server: {
            if (!allowed_keys({"pool", "address", "state", "weight"}) ||
                !string_member(document, "pool", request.pool, error) ||
                !string_member(document, "address", request.address, error)) {
                return fail(id, error);
            }
            if (const auto state = document.find("state"); state != document.end()) {
                if (!state->is_string() || (*state != "active" && *state != "draining" && *state != "disabled")) {
                    return fail(id, "\"state\" must be \"active\", \"draining\" or \"disabled\"");
                }
                request.state = state->get<std::string>();
            }
            if (const auto weight = document.find("weight"); weight != document.end()) {
                if (!weight->is_number_unsigned() || weight->get<std::uint64_t>() < 1 ||
                    weight->get<std::uint64_t>() > 1000) {
                    return fail(id, "\"weight\" must be an integer from 1 to 1000");
                }
                request.weight = weight->get<std::uint32_t>();
            }
            if (!request.state && !request.weight) return fail(id, "set_server needs \"state\" or \"weight\"");
            break;
        }
        case AdminCommand::add_server: {
            if (!allowed_keys({"pool", "server"}) || !string_member(document, "pool", request.pool, error)) {
                return fail(id, error);
            }
            const auto server = document.find("server");
            if (server == document.end() || !server->is_object()) return fail(id, "\"server\" must be an object");
            request.payload = *server;
            break;
        }
        case AdminCommand::replace_pool: {
            if (!allowed_keys({"pool"})) return fail(id, error);
            const auto pool = document.find("pool");
            if (pool == document.end() || !pool->is_object()) return fail(id, "\"pool\" must be an object");
            request.payload = *pool;
            break;
        }
        case AdminCommand::replace_config: {
            if (!allowed_keys({"config"})) return fail(id, error);
            const auto config = document.find("config");
            if (config == document.end() || !config->is_object()) return fail(id, "\"config\" must be an object");
            request.payload = *config;
            break;
        }
    }
    AdminParseResult out;
    out.id = id;
    out.request = std::move(request);
    return out;
}

std::string error_line(const nlohmann::json& id, std::string_view message, const nlohmann::json& details) {
    nlohmann::json answer = {{"id", id}, {"ok", false}, {"error", std::string(message)}};
    if (!details.is_null()) answer["errors"] = details;
    return answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace fulcrum::proxy::admin
