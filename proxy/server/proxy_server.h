#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "proxy/config/config_error.h"
#include "proxy/config/proxy_config.h"
#include "proxy/http/http_parser.h"
#include "proxy/server/snapshot.h"

namespace fulcrum::proxy::pool {
class HealthChecker;
}
namespace fulcrum::proxy::metrics {
class MetricsListener;
}
namespace fulcrum::proxy::logging {
class AccessLog;
}

namespace fulcrum::proxy::server {

class Worker;

struct ServerOptions {
    std::size_t threads = 0;  // 0: from the config ("auto" = one per CPU)
    http::HttpLimits limits;
    std::uint64_t header_timeout_ms = 30000;  // first byte to end of head (slowloris): 408
    std::uint64_t idle_timeout_ms = 60000;    // keep-alive wait for the next request
    std::uint64_t body_timeout_ms = 60000;    // between reads of a request body
    std::uint64_t send_timeout_ms = 60000;    // a client that does not read
    std::uint64_t stop_grace_ms = 10000;      // SIGTERM: in-flight requests get this long
};

// The data plane: loop threads, listeners, the current snapshot and every live change.
// Control calls (start, replace_*, set_server, stop) are serialised by one mutex and may
// come from any thread; the loops only ever load the snapshot.
class ProxyServer {
public:
    explicit ProxyServer(ServerOptions options = {});
    ~ProxyServer();
    ProxyServer(const ProxyServer&) = delete;
    ProxyServer& operator=(const ProxyServer&) = delete;

    // Binds every listener (all or nothing), starts the loops, health checks and metrics.
    bool start(const config::ProxyConfig& config, std::vector<config::ConfigError>& errors);
    // Graceful: stop accepting, let in-flight requests finish (bounded), close the rest.
    void stop();

    // Atomic: either everything is in place (new listeners bound, removed ones closed) or
    // nothing changed and `errors` says why. Connections are never dropped.
    bool replace_config(const config::ProxyConfig& config, std::vector<config::ConfigError>& errors);
    bool replace_pool(const config::PoolConfig& pool, std::string& error);
    bool set_server(const std::string& pool, const std::string& address, std::optional<config::ServerState> state,
                    std::optional<std::uint32_t> weight, std::string& error);
    bool add_server(const std::string& pool, const config::ServerConfig& server, std::string& error);
    bool remove_server(const std::string& pool, const std::string& address, std::string& error);
    bool reload_certificates(std::string& error);

    std::shared_ptr<const Snapshot> snapshot() const { return m_snapshot.load(std::memory_order_acquire); }
    nlohmann::json stats() const;
    nlohmann::json server_status(const std::string& pool, const std::string& address, std::string& error) const;
    std::string metrics_text() const;
    // Where a listener is bound (the real port when configured with port 0).
    std::optional<asio::ip::tcp::endpoint> listener_endpoint(const std::string& name) const;
    std::optional<asio::ip::tcp::endpoint> metrics_endpoint() const;

    const ServerOptions& options() const { return m_options; }
    // Exists from start() until destruction; off unless the config has `access_log`.
    logging::AccessLog& access_log() const { return *m_access_log; }
    bool stopping() const { return m_stopping.load(std::memory_order_relaxed); }
    std::size_t thread_count() const { return m_workers.size(); }

private:
    struct Binding {
        std::vector<std::shared_ptr<asio::ip::tcp::acceptor>> acceptors;  // one per worker
        asio::ip::tcp::endpoint bound;
    };
    bool bind(const config::ListenerConfig& listener, Binding& out, std::string& error);
    bool install(std::shared_ptr<Snapshot> next, std::vector<config::ConfigError>& errors, bool first);
    void publish(std::shared_ptr<Snapshot> next);
    bool mutate_pool(const std::string& name, std::string& error,
                     const std::function<bool(config::PoolConfig&, std::string&)>& change);

    ServerOptions m_options;
    mutable std::mutex m_control;
    std::atomic<std::shared_ptr<const Snapshot>> m_snapshot;
    std::vector<std::unique_ptr<Worker>> m_workers;
    mutable std::mutex m_workers_guard;  // m_workers' size changes (start, stop) vs metrics_text()
    std::map<std::string, Binding> m_bindings;  // by listener key (configured address)
    std::unique_ptr<pool::HealthChecker> m_health;
    std::unique_ptr<metrics::MetricsListener> m_metrics;
    std::unique_ptr<logging::AccessLog> m_access_log;
    std::string m_metrics_address;
    std::atomic<bool> m_stopping{false};
    bool m_started = false;
};

}  // namespace fulcrum::proxy::server
