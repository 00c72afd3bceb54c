#include "proxy/server/admin_handler.h"

#include "proxy/admin/admin_request.h"
#include "proxy/config/config_reader.h"
#include "proxy/server/proxy_server.h"

namespace fulcrum::proxy::server {

namespace {

nlohmann::json errors_json(const std::vector<config::ConfigError>& errors) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : errors) {
        out.push_back({{"path", e.path}, {"line", e.line}, {"column", e.column}, {"message", e.message}});
    }
    return out;
}

std::string ok_line(const nlohmann::json& id, nlohmann::json fields = nlohmann::json::object()) {
    fields["id"] = id;
    fields["ok"] = true;
    return fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string answer(ProxyServer& server, const admin::AdminRequest& request) {
    using admin::AdminCommand;
    const auto& id = request.id;
    std::string error;
    switch (request.command) {
        case AdminCommand::stats: return ok_line(id, {{"stats", server.stats()}});
        case AdminCommand::metrics: return ok_line(id, {{"text", server.metrics_text()}});
        case AdminCommand::config: {
            const auto snapshot = server.snapshot();
            if (!snapshot) return admin::error_line(id, "the proxy is not running");
            return ok_line(id, {{"config", config::to_json(snapshot->live_config())}});
        }
        case AdminCommand::server_status: {
            auto status = server.server_status(request.pool, request.address, error);
            if (status.is_null()) return admin::error_line(id, error);
            return ok_line(id, {{"server", status}});
        }
        case AdminCommand::set_server: {
            std::optional<config::ServerState> state;
            if (request.state) state = config::server_state_from_string(*request.state);
            if (!server.set_server(request.pool, request.address, state, request.weight, error)) {
                return admin::error_line(id, error);
            }
            return ok_line(id);
        }
        case AdminCommand::add_server: {
            std::vector<config::ConfigError> errors;
            const auto parsed = config::read_server(request.payload, "server", errors);
            if (!parsed) return admin::error_line(id, "invalid server", errors_json(errors));
            if (!server.add_server(request.pool, *parsed, error)) return admin::error_line(id, error);
            return ok_line(id);
        }
        case AdminCommand::remove_server:
            if (!server.remove_server(request.pool, request.address, error)) return admin::error_line(id, error);
            return ok_line(id);
        case AdminCommand::replace_pool: {
            std::vector<config::ConfigError> errors;
            const auto parsed = config::read_pool(request.payload, "pool", errors);
            if (!parsed) return admin::error_line(id, "invalid pool", errors_json(errors));
            if (!server.replace_pool(*parsed, error)) return admin::error_line(id, error);
            return ok_line(id);
        }
        case AdminCommand::replace_config: {
            auto result = config::read_config(request.payload);
            if (!result.ok()) return admin::error_line(id, "invalid config", errors_json(result.errors));
            std::vector<config::ConfigError> errors;
            if (!server.replace_config(*result.config, errors)) {
                return admin::error_line(id, "config not applied", errors_json(errors));
            }
            return ok_line(id);
        }
        case AdminCommand::reload_certificates:
            if (!server.reload_certificates(error)) return admin::error_line(id, error);
            return ok_line(id);
    }
    return admin::error_line(id, "unknown command");
}

}  // namespace

std::string handle_admin_line(ProxyServer& server, std::string_view line) {
    const auto parsed = admin::parse_admin_request(line);
    if (!parsed.request) return admin::error_line(parsed.id, parsed.error);
    try {
        return answer(server, *parsed.request);
    } catch (const std::exception& e) {
        return admin::error_line(parsed.id, std::string("internal error: ") + e.what());
    }
}

}  // namespace fulcrum::proxy::server
