#include "agent/config/proxy_section.h"

#include <set>

namespace fulcrum::agent {

using nlohmann::json;

void validate_proxy_section(const json& document, std::vector<protocol::ValidationError>& errors) {
    // SEAM: the proxy's own validator (proxy/config, validate_proxy_config) replaces this once
    // it is on main. Until then the agent checks the top-level keys of the contract only, so a
    // typo there is still an error with a path, and the proxy rejects the rest when it loads.
    static const std::set<std::string> known = {"threads", "listeners", "routes", "pools", "metrics_listener",
                                                "workers"};
    for (const auto& [key, value] : document.items()) {
        if (!known.contains(key)) errors.push_back({key, 0, 0, "unknown key"});
    }
    for (const char* list : {"listeners", "routes", "pools"}) {
        auto it = document.find(list);
        if (it != document.end() && !it->is_array()) errors.push_back({list, 0, 0, "must be a list"});
    }
}

bool proxy_configured(const json& document) {
    auto listeners = document.find("listeners");
    return listeners != document.end() && listeners->is_array() && !listeners->empty();
}

json effective_proxy_config(const json& document, const std::vector<WorkerGroupSpec>& workers,
                            const DrainingPorts& draining) {
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
        for (const auto& spec : workers) {
            if (spec.name != group) continue;
            for (int port : spec.ports) {
                const std::string address = "127.0.0.1:" + std::to_string(port);
                if (present.insert(address).second) servers.push_back({{"address", address}});
            }
        }
        if (auto it = draining.find(group); it != draining.end()) {
            for (int port : it->second) {
                const std::string address = "127.0.0.1:" + std::to_string(port);
                if (present.insert(address).second) servers.push_back({{"address", address}, {"state", "draining"}});
            }
        }
        pool["servers"] = std::move(servers);
    }
    return effective;
}

}  // namespace fulcrum::agent
