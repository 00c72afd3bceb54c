#include "proxy/config/proxy_config.h"

namespace fulcrum::proxy::config {

const char* to_string(Balance balance) {
    switch (balance) {
        case Balance::round_robin: return "round_robin";
        case Balance::least_conn: return "least_conn";
        case Balance::ip_hash: return "ip_hash";
        case Balance::hash: return "hash";
        case Balance::random_two: return "random_two";
    }
    return "round_robin";
}

const char* to_string(ServerState state) {
    switch (state) {
        case ServerState::active: return "active";
        case ServerState::draining: return "draining";
        case ServerState::disabled: return "disabled";
    }
    return "active";
}

std::optional<ServerState> server_state_from_string(std::string_view text) {
    if (text == "active") return ServerState::active;
    if (text == "draining") return ServerState::draining;
    if (text == "disabled") return ServerState::disabled;
    return std::nullopt;
}

std::string to_string(const HashKey& key) {
    switch (key.kind) {
        case HashKey::Kind::uri: return "uri";
        case HashKey::Kind::header: return "header:" + key.name;
        case HashKey::Kind::cookie: return "cookie:" + key.name;
    }
    return "uri";
}

const ServerConfig* PoolConfig::find_server(std::string_view address) const {
    for (const auto& server : servers) {
        if (server.address == address || server.endpoint.to_string() == address) return &server;
    }
    return nullptr;
}

const PoolConfig* ProxyConfig::find_pool(std::string_view name) const {
    for (const auto& pool : pools) {
        if (pool.name == name) return &pool;
    }
    return nullptr;
}

const ListenerConfig* ProxyConfig::find_listener(std::string_view name) const {
    for (const auto& listener : listeners) {
        if (listener.name == name) return &listener;
    }
    return nullptr;
}

nlohmann::json to_json(const ServerConfig& server) {
    return {{"address", server.address},
            {"weight", server.weight},
            {"state", to_string(server.state)},
            {"backup", server.backup}};
}

nlohmann::json to_json(const PoolConfig& pool) {
    nlohmann::json out = {{"name", pool.name},
                          {"balance", to_string(pool.balance)},
                          {"servers", nlohmann::json::array()},
                          {"max_fails", pool.max_fails},
                          {"fail_timeout_ms", pool.fail_timeout_ms},
                          {"keepalive", {{"max_idle", pool.keepalive.max_idle},
                                         {"idle_timeout_ms", pool.keepalive.idle_timeout_ms}}},
                          {"connect_timeout_ms", pool.connect_timeout_ms},
                          {"response_timeout_ms", pool.response_timeout_ms}};
    if (pool.hash_key) out["hash_key"] = to_string(*pool.hash_key);
    if (pool.follow_workers) out["follow_workers"] = *pool.follow_workers;
    for (const auto& server : pool.servers) out["servers"].push_back(to_json(server));
    if (pool.health) {
        const auto& h = *pool.health;
        out["health"] = {{"path", h.path},
                         {"interval_ms", h.interval_ms},
                         {"timeout_ms", h.timeout_ms},
                         {"rise", h.rise},
                         {"fall", h.fall},
                         {"expect_status_min", h.expect_status_min},
                         {"expect_status_max", h.expect_status_max}};
    }
    return out;
}

const char* to_string(AccessLogFormat format) {
    return format == AccessLogFormat::json ? "json" : "combined";
}

nlohmann::json to_json(const ProxyConfig& config) {
    nlohmann::json out = {{"listeners", nlohmann::json::array()},
                          {"routes", nlohmann::json::array()},
                          {"pools", nlohmann::json::array()}};
    if (config.threads) {
        out["threads"] = *config.threads;
    } else {
        out["threads"] = "auto";
    }
    for (const auto& listener : config.listeners) {
        nlohmann::json item = {{"name", listener.name},
                               {"address", listener.address},
                               {"redirect_to_https", listener.redirect_to_https},
                               {"hsts_max_age", listener.hsts_max_age}};
        if (listener.tls) {
            auto& certificates = item["tls"]["certificates"];
            certificates = nlohmann::json::array();
            for (const auto& files : listener.tls->certificates) {
                certificates.push_back({{"cert", files.cert}, {"key", files.key}});
            }
        }
        out["listeners"].push_back(std::move(item));
    }
    for (const auto& route : config.routes) {
        nlohmann::json item = {{"path_prefix", route.path_prefix}};
        if (route.host) item["host"] = *route.host;
        if (route.listeners) item["listeners"] = *route.listeners;
        if (route.pool) item["pool"] = *route.pool;
        if (route.static_files) {
            const auto& s = *route.static_files;
            item["static"] = {{"root", s.root},
                              {"cache_control", s.cache_control},
                              {"index", s.index},
                              {"allow_dotfiles", s.allow_dotfiles},
                              {"precompressed", s.precompressed}};
        }
        out["routes"].push_back(std::move(item));
    }
    for (const auto& pool : config.pools) out["pools"].push_back(to_json(pool));
    if (config.metrics_listener) out["metrics_listener"] = *config.metrics_listener;
    if (config.user) out["user"] = *config.user;
    if (config.access_log) {
        out["access_log"] = {{"path", config.access_log->path}, {"format", to_string(config.access_log->format)}};
    }
    if (config.workers) out["workers"] = *config.workers;
    return out;
}

}  // namespace fulcrum::proxy::config
