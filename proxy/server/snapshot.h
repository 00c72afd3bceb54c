#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/config_error.h"
#include "proxy/config/proxy_config.h"
#include "proxy/pool/pool_runtime.h"
#include "proxy/server/stats.h"
#include "proxy/static/static_responder.h"
#include "proxy/tls/certificate_store.h"

namespace fulcrum::proxy::server {

struct ListenerRuntime {
    config::ListenerConfig config;
    std::string key;  // the bind address as configured, e.g. "127.0.0.1:8080"
    std::shared_ptr<TrafficStats> stats;
    std::shared_ptr<tls::CertificateStore> tls;  // null: plain HTTP
    std::uint16_t https_port = 0;                // where redirect_to_https points
};

struct RouteRuntime {
    config::RouteConfig config;
    std::shared_ptr<pool::PoolRuntime> pool;
    std::shared_ptr<const static_files::StaticResponder> files;
};

// Everything a request needs from the config, compiled and immutable (the pools' balancer
// state and the servers' atomics aside). A request loads the current snapshot once
// (shared_ptr) and uses it to the end, so a swap never changes a request midway and old
// pools live exactly as long as requests still use them.
class Snapshot {
public:
    // Builds from a validated config, reusing from `previous` what has the same identity:
    // servers by pool name + address (counters, health, in-flight survive), listener and
    // pool counters by name, TLS stores whose files did not change. Resource errors (a
    // certificate that does not load, a static root that cannot be opened) fail the build.
    static std::shared_ptr<Snapshot> build(const config::ProxyConfig& config, const Snapshot* previous,
                                           std::vector<config::ConfigError>& errors);

    // A copy with one pool replaced (or added), routes re-pointed.
    std::shared_ptr<Snapshot> with_pool(std::shared_ptr<pool::PoolRuntime> pool) const;

    const ListenerRuntime* listener_by_key(std::string_view key) const;
    const RouteRuntime* route(std::string_view listener, std::string_view host, std::string_view path) const;
    std::shared_ptr<pool::PoolRuntime> pool(std::string_view name) const;

    // The config as running now: servers with their live state and weight.
    config::ProxyConfig live_config() const;

    config::ProxyConfig config;
    std::vector<ListenerRuntime> listeners;
    std::vector<RouteRuntime> routes;
    std::vector<std::shared_ptr<pool::PoolRuntime>> pools;
};

// Builds a pool runtime, reusing servers (and counters) of `previous` with the same address.
std::shared_ptr<pool::PoolRuntime> build_pool(const config::PoolConfig& config, const pool::PoolRuntime* previous);

// Whether `host` (lower-case, port stripped) matches a route's host pattern.
bool host_matches(std::string_view pattern, std::string_view host);

}  // namespace fulcrum::proxy::server
