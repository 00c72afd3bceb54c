#pragma once
// The proxy as a supervised child: `fulcrum-agent proxy --config FILE --admin-socket PATH`
// (this same binary). The agent writes the effective config to FILE (so a restarted proxy
// starts from the newest one), starts the proxy when the config has listeners, restarts it
// with backoff when it dies, and applies changes live with `replace_config` on the admin
// socket. A proxy that keeps exiting right after its start (a port taken by someone else, a
// certificate it cannot read) is "failing" after a few tries, with its last error line, and
// waits for the next config.apply instead of spinning. Runs on the event loop only.

#include "agent/logs/log_files.h"
#include "agent/protocol/system.h"
#include "agent/proxyctl/admin_client.h"
#include "agent/workers/process_watcher.h"

#include <asio.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::agent {

struct ProxyPaths {
    std::filesystem::path config_file;
    std::filesystem::path admin_socket;
    std::filesystem::path log_file;        // stdout and the agent's events
    std::filesystem::path stderr_log_file;
};

class ProxySupervisor {
public:
    // reloaded: the running proxy confirmed the config; note: why not, in words.
    using Applied = std::function<void(bool reloaded, std::string note)>;

    ProxySupervisor(asio::io_context& io, ProcessWatcher& watcher, ProxyPaths paths, std::string executable);
    ~ProxySupervisor();

    void set_on_changed(std::function<void(const protocol::ProxyStatus&)> callback) { m_on_changed = std::move(callback); }
    void set_on_runtime_changed(std::function<void()> callback) { m_on_runtime_changed = std::move(callback); }

    // Makes the proxy run `effective` (config version `version`): starts, reconfigures or
    // stops it. `done` is called once the proxy confirmed, refused, or could not be reached.
    void apply(nlohmann::json effective, bool configured, std::int64_t version, Applied done);
    // Pushes `effective` if it differs from what the proxy was last given (worker changes).
    void sync(const nlohmann::json& effective);

    // Waits until `address` in each of `pools` is draining with nothing in flight (or gone),
    // at most `timeout`; then `done`.
    void drain(std::vector<std::string> pools, std::string address, std::chrono::milliseconds timeout,
               std::function<void()> done);

    // Stops the proxy (SIGTERM: it finishes in-flight requests) and calls `done` when it is gone.
    void stop(std::function<void()> done);

    protocol::ProxyStatus status() const;
    bool ready() const { return m_pid > 0 && m_ready; }
    AdminClient& admin() { return m_admin; }

    nlohmann::json runtime_state() const;
    // Adopts the proxy a previous daemon left running; false if it is not there any more.
    bool adopt(const nlohmann::json& record);

private:
    struct DrainState;
    void drain_check(const std::shared_ptr<DrainState>& state);
    void spawn();
    void on_exit(std::uint64_t generation, protocol::ExitInfo info);
    void wait_until_ready(std::uint64_t generation, int attempts_left);
    void became_ready();
    void push(Applied done);
    void push_queued();
    void resolve_pending(bool reloaded, const std::string& note);
    void changed();
    std::string write_config();
    std::string last_error_line() const;

    asio::io_context& m_io;
    ProcessWatcher& m_watcher;
    ProxyPaths m_paths;
    std::string m_executable;
    AdminClient m_admin;
    std::function<void(const protocol::ProxyStatus&)> m_on_changed;
    std::function<void()> m_on_runtime_changed;

    nlohmann::json m_desired;
    bool m_configured = false;
    std::int64_t m_version = 0;
    nlohmann::json m_running;          // what the running proxy has, as far as it confirmed
    std::int64_t m_loaded_version = 0;  // the version the running proxy confirmed

    pid_t m_pid = 0;
    std::uint64_t m_start_ticks = 0;
    std::int64_t m_started_steady_ms = 0;
    std::int64_t m_started_at_ms = 0;
    std::uint64_t m_generation = 0;
    bool m_ready = false;
    int m_restarts = 0;
    int m_fast_failures = 0;
    std::optional<std::string> m_last_exit;
    std::optional<std::int64_t> m_next_restart_at_ms;
    std::string m_failing_reason;  // set when restarts stopped; cleared by the next apply
    bool m_stopping = false;
    std::vector<Applied> m_pending;  // applies waiting for a starting proxy
    bool m_push_in_flight = false;
    bool m_push_queued = false;
    std::vector<Applied> m_queued_push_waiters;
    std::vector<std::function<void()>> m_stop_waiters;
    asio::steady_timer m_restart_timer;
    asio::steady_timer m_ready_timer;
    asio::steady_timer m_kill_timer;
};

}  // namespace fulcrum::agent
