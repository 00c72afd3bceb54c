#pragma once
// The supervisor: one per user per host. Owns the event loop, the Unix socket, and the parts
// that answer RPC (host facts now; workers, config, proxy, metrics, boot as they are added).

#include "agent/boot/boot_persistence.h"
#include "agent/config/config_store.h"
#include "agent/daemon/config_service.h"
#include "agent/daemon/dispatcher.h"
#include "agent/daemon/metrics_service.h"
#include "agent/daemon/workers_service.h"
#include "agent/logs/log_follower.h"
#include "agent/proxyctl/proxy_supervisor.h"
#include "agent/workers/process_watcher.h"
#include "agent/workers/supervisor.h"
#include "agent/daemon/state_paths.h"
#include "agent/util/unique_fd.h"

#include <asio.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace fulcrum::agent {

struct DaemonOptions {
    StatePaths paths;
    std::string started_by = "manual";  // reported by agent.hello
};

class Daemon {
public:
    explicit Daemon(DaemonOptions options);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Creates the state directory, takes the single-instance lock and listens on agent.sock.
    // Returns an error message, empty on success.
    std::string prepare();

    // Serves until SIGTERM/SIGINT or stop(); returns the exit code.
    int run();
    void stop();

    asio::io_context& io() { return m_io; }
    Dispatcher& dispatcher() { return m_dispatcher; }

private:
    void register_methods();
    void accept_next();
    void wait_for_signals();
    void apply_config(const StoredConfig& stored, const std::vector<WorkerGroupSpec>& workers,
                      std::function<void(protocol::ConfigApplyResult)> done);
    void tick();
    BootPersistence boot() const;
    void save_runtime_state();
    void runtime_changed();
    nlohmann::json effective_proxy() const;
    void shutdown();

    DaemonOptions m_options;
    asio::io_context m_io{1};
    asio::signal_set m_signals{m_io};
    asio::local::stream_protocol::acceptor m_acceptor{m_io};
    Dispatcher m_dispatcher;
    ConfigStore m_store;
    ConfigService m_config{m_store, m_dispatcher};
    ProcessWatcher m_watcher{m_io};
    Supervisor m_supervisor;
    LogFollower m_follower;
    ProxySupervisor m_proxy;
    nlohmann::json m_document = nlohmann::json::object();  // the config version being run
    std::int64_t m_next_subscription = 1;
    WorkersService m_workers{m_io, m_supervisor, m_follower, m_config, m_dispatcher,
                             [this] { return m_next_subscription++; }};
    MetricsService m_metrics{m_supervisor, m_proxy, m_dispatcher, [this] { return m_next_subscription++; }};
    asio::steady_timer m_tick{m_io};
    std::uint64_t m_ticks = 0;
    bool m_shutting_down = false;
    UniqueFd m_lock;
    std::uint64_t m_next_session_id = 1;
    std::int64_t m_started_at_ms = 0;
};

}  // namespace fulcrum::agent
