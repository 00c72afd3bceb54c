#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/config/config_error.h"
#include "proxy/config/proxy_config.h"

namespace fulcrum::proxy::config {

struct ConfigResult {
    std::optional<ProxyConfig> config;  // set only when errors is empty
    std::vector<ConfigError> errors;    // every error found, not only the first
    bool ok() const { return config.has_value(); }
};

struct ConfigLimits {
    std::size_t max_text_bytes = 4 * 1024 * 1024;
    std::size_t max_depth = 64;
    std::size_t max_listeners = 64;
    std::size_t max_routes = 1024;
    std::size_t max_pools = 256;
    std::size_t max_servers_per_pool = 1024;
};

// Reads a config document. Never throws: every problem is a ConfigError with its path.
ConfigResult read_config(const nlohmann::json& document, const ConfigLimits& limits = {});

// Reads config text: JSON syntax errors, duplicate keys and every error of read_config, each
// with line and column.
ConfigResult read_config_text(std::string_view text, const ConfigLimits& limits = {});

// One pool or server on its own, as the admin socket's replace_pool / add_server receive
// them. Paths start at `path` (e.g. "pool").
std::optional<PoolConfig> read_pool(const nlohmann::json& pool, const std::string& path,
                                    std::vector<ConfigError>& errors);
std::optional<ServerConfig> read_server(const nlohmann::json& server, const std::string& path,
                                        std::vector<ConfigError>& errors);

// For the agent's config.validate: every error of the proxy part (the workers section is
// the agent's and is not looked at).
std::vector<ConfigError> validate_proxy_config(const nlohmann::json& document);

}  // namespace fulcrum::proxy::config
