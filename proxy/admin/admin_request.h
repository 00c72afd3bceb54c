#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace fulcrum::proxy::admin {

// The admin socket speaks JSON lines: one request object per line, one answer per line.
//
//   {"id": 7, "command": "stats"}
//   {"command": "metrics"}                                  -> Prometheus text in "text"
//   {"command": "set_server", "pool": "app", "address": "127.0.0.1:8001",
//    "state": "draining", "weight": 3}                      (state and/or weight)
//   {"command": "add_server", "pool": "app", "server": {"address": "127.0.0.1:8004", ...}}
//   {"command": "remove_server", "pool": "app", "address": "127.0.0.1:8004"}
//   {"command": "replace_pool", "pool": {"name": "app", "servers": [...], ...}}
//   {"command": "replace_config", "config": {...the proxy config...}}
//   {"command": "server_status", "pool": "app", "address": "127.0.0.1:8001"}
//   {"command": "reload_certificates"}
//
// Answers: {"id": 7, "ok": true, ...} or {"id": 7, "ok": false, "error": "...", "errors": [...]}.
// See proxy/admin/ADMIN.md.
enum class AdminCommand {
    stats,
    metrics,
    set_server,
    add_server,
    remove_server,
    replace_pool,
    replace_config,
    server_status,
    reload_certificates,
    config,
};

const char* to_string(AdminCommand command);

struct AdminRequest {
    nlohmann::json id;  // echoed back verbatim; null when absent
    AdminCommand command = AdminCommand::stats;
    std::string pool;     // set_server, add_server, remove_server, server_status
    std::string address;  // set_server, remove_server, server_status
    std::optional<std::string> state;  // set_server: "active" | "draining" | "disabled"
    std::optional<std::uint32_t> weight;
    // add_server: the server object; replace_pool: the pool object; replace_config: the
    // config. Validated by the proxy's config reader, which reports JSON paths.
    nlohmann::json payload;
};

struct AdminParseResult {
    std::optional<AdminRequest> request;
    nlohmann::json id;  // whatever id could be recovered, for the error answer
    std::string error;
};

struct AdminLimits {
    std::size_t max_line_bytes = 4 * 1024 * 1024;  // a whole config fits with room to spare
    std::size_t max_depth = 32;                    // nlohmann's parser recurses per level
};

// Parses one line (without its '\n'). Never throws; every problem is a message.
AdminParseResult parse_admin_request(std::string_view line, const AdminLimits& limits = {});

// One answer line (no trailing newline) for a request that failed.
std::string error_line(const nlohmann::json& id, std::string_view message,
                       const nlohmann::json& details = nlohmann::json());

}  // namespace fulcrum::proxy::admin
