#include "proxy/server/proxy_server.h"

#include <sys/socket.h>

#include <system_error>

#include <asio/ip/address.hpp>
#include <asio/socket_base.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "proxy/log/access_log.h"
#include "proxy/metrics/metrics_listener.h"
#include "proxy/pool/health_checker.h"
#include "proxy/server/metrics_text.h"
#include "proxy/server/worker.h"

namespace fulcrum::proxy::server {

namespace {
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

std::size_t thread_count_for(const ServerOptions& options, const config::ProxyConfig& config) {
    if (options.threads > 0) return options.threads;
    if (config.threads) return *config.threads;
    const auto cpus = std::thread::hardware_concurrency();
    return cpus == 0 ? 1 : cpus;
}
}  // namespace

ProxyServer::ProxyServer(ServerOptions options) : m_options(std::move(options)) {}

ProxyServer::~ProxyServer() { stop(); }

bool ProxyServer::bind(const config::ListenerConfig& listener, Binding& out, std::string& error) {
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address(listener.endpoint.ip), listener.endpoint.port);
    for (auto& worker : m_workers) {
        auto acceptor = std::make_shared<asio::ip::tcp::acceptor>(worker->io());
        asio::error_code ec;
        acceptor->open(endpoint.protocol(), ec);
        if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        // One listening socket per loop thread on the same address: the kernel spreads
        // connections across them, no accept lock, no thundering herd.
        if (!ec) acceptor->set_option(ReusePort(true), ec);
        if (!ec) acceptor->bind(endpoint, ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            error = "cannot listen on " + listener.address + ": " + ec.message();
            for (auto& a : out.acceptors) a->close(ec);
            out.acceptors.clear();
            return false;
        }
        if (out.acceptors.empty()) {
            // Port 0: every further socket joins the port the first one got.
            endpoint = acceptor->local_endpoint(ec);
            out.bound = endpoint;
        }
        out.acceptors.push_back(std::move(acceptor));
    }
    return true;
}

bool ProxyServer::start(const config::ProxyConfig& config, std::vector<config::ConfigError>& errors) {
    std::lock_guard lock(m_control);
    if (m_started) {
        errors.push_back({"", "already started"});
        return false;
    }
    auto snapshot = Snapshot::build(config, nullptr, errors);
    if (!snapshot) return false;
    const auto threads = thread_count_for(m_options, config);
    logging::AccessLog::Prepared log;
    if (std::string error; !logging::AccessLog::prepare(config.access_log, log, error)) {
        errors.push_back({"access_log.path", error});
        return false;
    }
    if (!m_access_log) m_access_log = std::make_unique<logging::AccessLog>(threads);
    {
        std::lock_guard workers(m_workers_guard);
        for (std::size_t i = 0; i < threads; ++i) {
            m_workers.push_back(std::make_unique<Worker>(*this, i, m_options.limits.max_head_bytes));
        }
    }
    m_health = std::make_unique<pool::HealthChecker>();
    if (!install(std::move(snapshot), errors, true)) {
        m_health.reset();
        std::lock_guard workers(m_workers_guard);
        m_workers.clear();
        return false;
    }
    m_access_log->commit(std::move(log));
    for (auto& worker : m_workers) worker->start();
    m_started = true;
    return true;
}

// Binds what is new, swaps the snapshot, hands the new acceptors to the loops and closes
// the ones no longer configured. On a bind failure nothing has changed.
bool ProxyServer::install(std::shared_ptr<Snapshot> next, std::vector<config::ConfigError>& errors, bool first) {
    std::map<std::string, Binding> added;
    std::set<std::string> wanted;
    for (std::size_t i = 0; i < next->listeners.size(); ++i) {
        const auto& listener = next->listeners[i];
        wanted.insert(listener.key);
        if (m_bindings.count(listener.key) || added.count(listener.key)) continue;
        Binding binding;
        std::string error;
        if (!bind(listener.config, binding, error)) {
            errors.push_back({"listeners[" + std::to_string(i) + "].address", error});
            for (auto& [key, b] : added) {
                for (auto& a : b.acceptors) {
                    asio::error_code ec;
                    a->close(ec);
                }
            }
            return false;
        }
        added.emplace(listener.key, std::move(binding));
    }
    // Metrics listener: (re)started when its address changes.
    const std::string metrics_address = next->config.metrics_listener.value_or("");
    if (metrics_address != m_metrics_address) {
        std::unique_ptr<metrics::MetricsListener> listener;
        if (!metrics_address.empty()) {
            std::string error;
            try {
                listener = std::make_unique<metrics::MetricsListener>(metrics_address, [this] { return metrics_text(); });
                error = listener->start();
            } catch (const std::system_error& e) {
                // Its event loop could not be created (on io_uring: the account's locked-memory
                // limit used up). A reload may get here from the admin thread: an error, not a crash.
                error = std::string("cannot start its event loop: ") + e.what();
            }
            if (!error.empty()) {
                errors.push_back({"metrics_listener", error});
                for (auto& [key, b] : added) {
                    for (auto& a : b.acceptors) {
                        asio::error_code ec;
                        a->close(ec);
                    }
                }
                return false;
            }
        }
        if (m_metrics) m_metrics->stop();
        m_metrics = std::move(listener);
        m_metrics_address = metrics_address;
    }
    // Servers that left their pool: their idle upstream connections go.
    if (const auto previous = snapshot()) {
        for (const auto& old_pool : previous->pools) {
            const auto kept = next->pool(old_pool->config().name);
            for (const auto& server : old_pool->servers()) {
                bool still = false;
                if (kept) {
                    for (const auto& s : kept->servers()) still |= s == server;
                }
                if (!still) server->removed.store(true, std::memory_order_relaxed);
            }
        }
    }
    publish(std::move(next));
    for (auto& [key, binding] : added) {
        for (std::size_t w = 0; w < m_workers.size(); ++w) m_workers[w]->adopt_acceptor(key, binding.acceptors[w]);
        m_bindings.emplace(key, std::move(binding));
    }
    if (!first) {
        for (auto it = m_bindings.begin(); it != m_bindings.end();) {
            if (wanted.count(it->first)) {
                ++it;
                continue;
            }
            for (auto& worker : m_workers) worker->close_acceptor(it->first);
            it = m_bindings.erase(it);
        }
    }
    return true;
}

void ProxyServer::publish(std::shared_ptr<Snapshot> next) {
    m_snapshot.store(next, std::memory_order_release);
    if (m_health) m_health->update(next->pools);
}

void ProxyServer::stop() {
    std::lock_guard lock(m_control);
    if (!m_started) return;
    m_started = false;
    m_stopping.store(true);
    // New connections are refused from here on, before a loop has run anything: the loops'
    // posted closes need not run at all when no session is open (join() stops the loops at
    // once), and on io_uring a listening socket closed with an accept in the ring lives on
    // until the ring's teardown, after the process has exited (a supervisor saw the port still
    // accept; under load 74 connections queued there in 9 ms and were then reset). shutdown()
    // takes a socket out of the listen table at once, whoever still holds it. Only at the stop:
    // at a reload a shutdown would reset the connections already queued on a removed socket.
    // Safe from this thread: only the loops close these sockets, and only after this.
    for (auto& [key, binding] : m_bindings) {
        for (auto& acceptor : binding.acceptors) {
            if (acceptor->is_open()) ::shutdown(acceptor->native_handle(), SHUT_RDWR);
        }
    }
    for (auto& worker : m_workers) {
        worker->close_all_acceptors();
        worker->stop_sessions();
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(m_options.stop_grace_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        std::size_t open = 0;
        for (auto& worker : m_workers) open += worker->session_count();
        if (open == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (auto& worker : m_workers) worker->join();
    m_access_log->flush_all_stopped();  // the loops are gone: their last lines are safe to take
    if (m_health) m_health->stop();
    if (m_metrics) m_metrics->stop();
    m_bindings.clear();
    std::lock_guard workers(m_workers_guard);
    m_workers.clear();
}

bool ProxyServer::replace_config(const config::ProxyConfig& config, std::vector<config::ConfigError>& errors) {
    std::lock_guard lock(m_control);
    if (!m_started) {
        errors.push_back({"", "the proxy is not running"});
        return false;
    }
    const auto current = snapshot();
    auto next = Snapshot::build(config, current.get(), errors);
    if (!next) return false;
    // Opened afresh on every replace (and so on SIGHUP), unchanged path or not: that is
    // logrotate's "rename, then signal". Committed only if the rest applies.
    logging::AccessLog::Prepared log;
    if (std::string error; !logging::AccessLog::prepare(config.access_log, log, error)) {
        errors.push_back({"access_log.path", error});
        return false;
    }
    if (!install(std::move(next), errors, false)) return false;
    m_access_log->commit(std::move(log));
    return true;
}

bool ProxyServer::mutate_pool(const std::string& name, std::string& error,
                              const std::function<bool(config::PoolConfig&, std::string&)>& change) {
    const auto current = snapshot();
    const auto pool = current ? current->pool(name) : nullptr;
    if (!pool) {
        error = "no pool is named '" + name + "'";
        return false;
    }
    auto config = pool->live_config();
    if (!change(config, error)) return false;
    auto next = current->with_pool(build_pool(config, pool.get()));
    // Servers that are gone from this pool: drop their idle connections.
    for (const auto& server : pool->servers()) {
        if (!config.find_server(server->address())) server->removed.store(true, std::memory_order_relaxed);
    }
    publish(std::move(next));
    return true;
}

bool ProxyServer::replace_pool(const config::PoolConfig& replacement, std::string& error) {
    std::lock_guard lock(m_control);
    const auto current = snapshot();
    if (!current) {
        error = "the proxy is not running";
        return false;
    }
    const auto pool = current->pool(replacement.name);
    auto next = current->with_pool(build_pool(replacement, pool.get()));
    if (pool) {
        for (const auto& server : pool->servers()) {
            if (!replacement.find_server(server->address())) server->removed.store(true, std::memory_order_relaxed);
        }
    }
    publish(std::move(next));
    return true;
}

bool ProxyServer::set_server(const std::string& pool_name, const std::string& address,
                             std::optional<config::ServerState> state, std::optional<std::uint32_t> weight,
                             std::string& error) {
    std::lock_guard lock(m_control);
    const auto current = snapshot();
    const auto pool = current ? current->pool(pool_name) : nullptr;
    if (!pool) {
        error = "no pool is named '" + pool_name + "'";
        return false;
    }
    for (const auto& server : pool->servers()) {
        if (server->address() != address && server->to_config().endpoint.to_string() != address) continue;
        // In place: atomics the balancers read on the next request; no swap needed.
        auto cfg = server->to_config();
        if (state) cfg.state = *state;
        if (weight) cfg.weight = *weight;
        server->apply(cfg);
        return true;
    }
    error = "pool '" + pool_name + "' has no server " + address;
    return false;
}

bool ProxyServer::add_server(const std::string& pool_name, const config::ServerConfig& server, std::string& error) {
    std::lock_guard lock(m_control);
    return mutate_pool(pool_name, error, [&](config::PoolConfig& config, std::string& why) {
        if (config.find_server(server.endpoint.to_string()) || config.find_server(server.address)) {
            why = "pool '" + pool_name + "' already has server " + server.address;
            return false;
        }
        config.servers.push_back(server);
        return true;
    });
}

bool ProxyServer::remove_server(const std::string& pool_name, const std::string& address, std::string& error) {
    std::lock_guard lock(m_control);
    return mutate_pool(pool_name, error, [&](config::PoolConfig& config, std::string& why) {
        const auto before = config.servers.size();
        std::erase_if(config.servers, [&](const config::ServerConfig& s) {
            return s.address == address || s.endpoint.to_string() == address;
        });
        if (config.servers.size() == before) {
            why = "pool '" + pool_name + "' has no server " + address;
            return false;
        }
        return true;
    });
}

bool ProxyServer::reload_certificates(std::string& error) {
    std::lock_guard lock(m_control);
    const auto current = snapshot();
    if (!current) return true;
    bool ok = true;
    for (const auto& listener : current->listeners) {
        if (!listener.tls) continue;
        std::string why;
        if (!listener.tls->reload(why)) {
            ok = false;
            error += (error.empty() ? "" : "; ") + listener.config.name + ": " + why;
        }
    }
    return ok;
}

std::optional<asio::ip::tcp::endpoint> ProxyServer::listener_endpoint(const std::string& name) const {
    std::lock_guard lock(m_control);
    const auto current = snapshot();
    if (!current) return std::nullopt;
    for (const auto& listener : current->listeners) {
        if (listener.config.name != name) continue;
        const auto it = m_bindings.find(listener.key);
        if (it != m_bindings.end()) return it->second.bound;
    }
    return std::nullopt;
}

std::optional<asio::ip::tcp::endpoint> ProxyServer::metrics_endpoint() const {
    std::lock_guard lock(m_control);
    if (!m_metrics) return std::nullopt;
    return m_metrics->endpoint();
}

nlohmann::json ProxyServer::server_status(const std::string& pool_name, const std::string& address,
                                          std::string& error) const {
    const auto current = snapshot();
    const auto pool = current ? current->pool(pool_name) : nullptr;
    if (!pool) {
        error = "no pool is named '" + pool_name + "'";
        return nullptr;
    }
    for (const auto& server : pool->servers()) {
        if (server->address() != address) continue;
        return server_json(*server, pool::now_ms());
    }
    error = "pool '" + pool_name + "' has no server " + address;
    return nullptr;
}

nlohmann::json ProxyServer::stats() const {
    std::lock_guard lock(m_control);  // m_bindings and m_workers change under it
    const auto current = snapshot();
    nlohmann::json out = {{"listeners", nlohmann::json::array()}, {"pools", nlohmann::json::array()}};
    if (!current) return out;
    std::size_t connections = 0;
    for (const auto& worker : m_workers) connections += worker->session_count();
    out["threads"] = m_workers.size();
    out["connections"] = connections;
    if (m_access_log) {
        out["access_log"] = {{"enabled", m_access_log->enabled()},
                             {"lines_dropped", m_access_log->lines_dropped()},
                             {"last_error", m_access_log->last_error()}};
    }
    for (const auto& listener : current->listeners) {
        auto item = listener.stats->to_json();
        item["active_connections"] = listener.stats->active_connections.load(std::memory_order_relaxed);
        item["name"] = listener.config.name;
        item["address"] = listener.config.address;
        item["tls"] = static_cast<bool>(listener.tls);
        if (const auto it = m_bindings.find(listener.key); it != m_bindings.end()) {
            item["bound"] = it->second.bound.address().to_string() + ":" + std::to_string(it->second.bound.port());
        }
        if (listener.tls) {
            auto& certificates = item["certificates"] = nlohmann::json::array();
            // Held in a named variable: a reload may swap the store's context meanwhile, and a
            // range-for over a temporary's member would not keep it alive.
            const auto context = listener.tls->current();
            for (const auto& info : context->certificates()) certificates.push_back(certificate_json(info));
        }
        out["listeners"].push_back(std::move(item));
    }
    const auto now = pool::now_ms();
    for (const auto& pool : current->pools) {
        auto item = pool->stats().to_json();
        item["name"] = pool->config().name;
        item["balance"] = config::to_string(pool->config().balance);
        item["in_flight"] = pool_in_flight(*pool);
        auto& servers = item["servers"] = nlohmann::json::array();
        for (const auto& server : pool->servers()) servers.push_back(server_json(*server, now));
        out["pools"].push_back(std::move(item));
    }
    return out;
}

std::string ProxyServer::metrics_text() const {
    ProcessGauges process;
    {
        // Not m_control: the metrics listener's thread calls this, and install() stops that
        // listener (joining the thread) while holding m_control.
        std::lock_guard lock(m_workers_guard);
        process.threads = m_workers.size();
        for (const auto& worker : m_workers) process.connections += worker->session_count();
    }
    if (m_access_log) {
        process.access_log_enabled = m_access_log->enabled();
        process.access_log_lines_dropped = m_access_log->lines_dropped();
    }
    return render_metrics(snapshot().get(), process);
}

}  // namespace fulcrum::proxy::server
