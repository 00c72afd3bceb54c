#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/config/socket_address.h"

namespace fulcrum::proxy::config {

// The typed form of the host config's proxy part (listeners, routes, pools, threads,
// metrics_listener). See proxy/CONFIG.md. Fields with a default in the format hold the
// default when the document leaves them out; fields that change meaning by being absent
// are std::optional. Everything is a value type so a whole config can be compared, copied
// into an immutable snapshot and swapped.

struct TlsCertificateConfig {
    std::string cert;
    std::string key;
    bool operator==(const TlsCertificateConfig&) const = default;
};

struct ListenerTlsConfig {
    std::vector<TlsCertificateConfig> certificates;
    bool operator==(const ListenerTlsConfig&) const = default;
};

struct ListenerConfig {
    std::string name;
    std::string address;    // as written, e.g. "0.0.0.0:8080"
    SocketAddress endpoint; // parsed from address
    bool redirect_to_https = false;
    std::optional<ListenerTlsConfig> tls;
    std::uint64_t hsts_max_age = 0;  // seconds; only on TLS listeners
    bool operator==(const ListenerConfig&) const = default;
};

struct StaticConfig {
    std::string root;
    std::string cache_control;
    std::string index = "index.html";
    bool allow_dotfiles = false;
    bool precompressed = true;
    bool operator==(const StaticConfig&) const = default;
};

struct RouteConfig {
    std::string path_prefix;
    std::optional<std::string> host;                    // lower-case; "*.example.com" allowed
    std::optional<std::vector<std::string>> listeners;  // absent: every listener
    std::optional<std::string> pool;                    // exactly one of pool / static_files
    std::optional<StaticConfig> static_files;
    bool operator==(const RouteConfig&) const = default;
};

enum class Balance { round_robin, least_conn, ip_hash, hash, random_two };
const char* to_string(Balance balance);

enum class ServerState { active, draining, disabled };
const char* to_string(ServerState state);
std::optional<ServerState> server_state_from_string(std::string_view text);

struct HashKey {
    enum class Kind { uri, header, cookie } kind = Kind::uri;
    std::string name;  // header or cookie name
    bool operator==(const HashKey&) const = default;
};
std::string to_string(const HashKey& key);

struct ServerConfig {
    std::string address;
    SocketAddress endpoint;
    std::uint32_t weight = 1;
    ServerState state = ServerState::active;
    bool backup = false;
    bool operator==(const ServerConfig&) const = default;
};

struct HealthConfig {
    std::string path = "/";
    std::uint64_t interval_ms = 2000;
    std::uint64_t timeout_ms = 1000;
    std::uint32_t rise = 2;
    std::uint32_t fall = 3;
    std::uint32_t expect_status_min = 200;
    std::uint32_t expect_status_max = 399;
    bool operator==(const HealthConfig&) const = default;
};

struct KeepaliveConfig {
    std::uint32_t max_idle = 32;  // 0: no upstream keep-alive
    std::uint64_t idle_timeout_ms = 60000;
    bool operator==(const KeepaliveConfig&) const = default;
};

struct PoolConfig {
    std::string name;
    Balance balance = Balance::round_robin;
    std::optional<HashKey> hash_key;  // balance "hash" only, required there
    std::optional<std::string> follow_workers;
    std::vector<ServerConfig> servers;
    std::optional<HealthConfig> health;  // absent: no active checks
    std::uint32_t max_fails = 3;         // 0: passive health off
    std::uint64_t fail_timeout_ms = 10000;
    KeepaliveConfig keepalive;
    std::uint64_t connect_timeout_ms = 3000;
    std::uint64_t response_timeout_ms = 60000;
    bool operator==(const PoolConfig&) const = default;

    const ServerConfig* find_server(std::string_view address) const;
};

enum class AccessLogFormat { combined, json };
const char* to_string(AccessLogFormat format);

struct AccessLogConfig {
    std::string path;  // absolute
    AccessLogFormat format = AccessLogFormat::combined;
    bool operator==(const AccessLogConfig&) const = default;
};

struct ProxyConfig {
    std::optional<std::uint32_t> threads;  // absent: "auto" (one per CPU)
    // Started as root: bind, then run as this account. Never resolved here (NSS may block).
    std::optional<std::string> user;
    std::optional<AccessLogConfig> access_log;  // absent: no access log
    std::vector<ListenerConfig> listeners;
    std::vector<RouteConfig> routes;
    std::vector<PoolConfig> pools;
    std::optional<std::string> metrics_listener;
    std::optional<SocketAddress> metrics_endpoint;
    // The agent's section, carried verbatim so the document round-trips.
    std::optional<nlohmann::json> workers;
    bool operator==(const ProxyConfig&) const = default;

    const PoolConfig* find_pool(std::string_view name) const;
    const ListenerConfig* find_listener(std::string_view name) const;
};

// The canonical document: every field written out, defaults included. For any config c that
// validated, reading to_json(c) gives back c, and to_json is a fixed point of read ∘ write.
nlohmann::json to_json(const ProxyConfig& config);
nlohmann::json to_json(const PoolConfig& pool);
nlohmann::json to_json(const ServerConfig& server);

}  // namespace fulcrum::proxy::config
