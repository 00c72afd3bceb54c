#include "agent/config/proxy_section.h"

#include "proxy/config/config_reader.h"
#include "proxy/config/json_positions.h"

#include <set>

namespace fulcrum::agent {

using nlohmann::json;

void validate_proxy_section(const json& document, const std::string* text,
                            std::vector<protocol::ValidationError>& errors) {
    const auto found = text ? proxy::config::read_config_text(*text).errors : proxy::config::validate_proxy_config(document);
    for (const auto& error : found) errors.push_back({error.path, error.line, error.column, error.message});
}

void locate_errors(const std::string& text, std::vector<protocol::ValidationError>& errors, std::size_t from) {
    const auto positions = proxy::config::JsonPositions::scan(text);
    for (std::size_t i = from; i < errors.size(); ++i) {
        if (errors[i].line != 0) continue;
        const auto position = positions.find(errors[i].path);
        errors[i].line = position.line;
        errors[i].column = position.column;
    }
}

bool proxy_configured(const json& document) {
    auto listeners = document.find("listeners");
    return listeners != document.end() && listeners->is_array() && !listeners->empty();
}

FollowedServers followed_servers(const std::vector<protocol::WorkerGroupStatus>& groups) {
    using protocol::InstanceState;
    FollowedServers followed;
    for (const auto& group : groups) {
        auto& servers = followed[group.name];
        for (const auto& instance : group.instances) {
            // Requests go only to an instance that answers its health check; one that is
            // leaving finishes what it has.
            const char* state = instance.state == InstanceState::running    ? "active"
                                : instance.state == InstanceState::stopping ? "draining"
                                                                            : "disabled";
            servers.push_back({instance.port, state});
        }
    }
    return followed;
}

json effective_proxy_config(const json& document, const FollowedServers& followed) {
    json effective = document;
    effective.erase("workers");
    auto pools = effective.find("pools");
    if (pools == effective.end() || !pools->is_array()) return effective;
    for (auto& pool : *pools) {
        if (!pool.is_object()) continue;
        auto follow = pool.find("follow_workers");
        if (follow == pool.end()) continue;
        const std::string group = follow->is_string() ? follow->get<std::string>() : std::string();
        pool.erase("follow_workers");
        json servers = pool.contains("servers") && pool["servers"].is_array() ? pool["servers"] : json::array();
        std::set<std::string> present;
        for (const auto& server : servers) {
            if (server.is_object() && server.contains("address") && server["address"].is_string())
                present.insert(server["address"].get<std::string>());
        }
        if (auto it = followed.find(group); it != followed.end()) {
            for (const auto& server : it->second) {
                const std::string address = "127.0.0.1:" + std::to_string(server.port);
                if (present.insert(address).second) servers.push_back({{"address", address}, {"state", server.state}});
            }
        }
        pool["servers"] = std::move(servers);
    }
    return effective;
}

}  // namespace fulcrum::agent
