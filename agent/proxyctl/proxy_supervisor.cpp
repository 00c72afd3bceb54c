#include "agent/proxyctl/proxy_supervisor.h"

#include "agent/config/worker_spec.h"
#include "agent/daemon/clock.h"
#include "agent/daemon/log.h"
#include "agent/util/files.h"
#include "agent/util/once.h"
#include "agent/util/proc.h"
#include "agent/workers/spawn.h"
#include "agent/workers/worker_instance.h"

#include <signal.h>
#include <unistd.h>

namespace fulcrum::agent {

using nlohmann::json;

namespace {
// The proxy is restarted for as long as it is configured; backoff keeps a broken one from
// spinning, and every exit is reported (proxy.status last_exit, proxy.changed, its log).
RestartSpec proxy_restart() {
    RestartSpec restart;
    restart.backoff_initial_ms = 200;
    restart.backoff_max_ms = 10000;
    restart.stable_after_ms = 10000;
    return restart;
}
constexpr int kReadyPollMs = 100;
constexpr int kReadyAttempts = 150;  // 15 s for the admin socket to answer after a start
constexpr auto kAdminTimeout = std::chrono::seconds(10);
constexpr int kStopGraceMs = 12000;  // the proxy itself bounds its graceful stop at 10 s
}  // namespace

ProxySupervisor::ProxySupervisor(asio::io_context& io, ProcessWatcher& watcher, ProxyPaths paths, std::string executable)
    : m_io(io),
      m_watcher(watcher),
      m_paths(std::move(paths)),
      m_executable(std::move(executable)),
      m_admin(io, m_paths.admin_socket.string()),
      m_restart_timer(io),
      m_ready_timer(io),
      m_kill_timer(io) {}

ProxySupervisor::~ProxySupervisor() {
    if (m_pid > 0) m_watcher.forget(m_pid);
}

void ProxySupervisor::changed() {
    if (m_on_changed) m_on_changed(status());
    if (m_on_runtime_changed) m_on_runtime_changed();
}

std::string ProxySupervisor::write_config() {
    std::error_code ignored;
    std::filesystem::create_directories(m_paths.config_file.parent_path(), ignored);
    return write_file_atomically(m_paths.config_file, m_desired.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

void ProxySupervisor::apply(json effective, bool configured, std::int64_t version, Applied done) {
    m_desired = std::move(effective);
    m_configured = configured;
    m_version = version;
    if (!configured) {
        if (m_pid == 0) return done(false, "the config has no listeners, so the proxy does not run");
        return stop([done] { done(false, "the config has no listeners: the proxy was stopped"); });
    }
    if (auto error = write_config(); !error.empty()) return done(false, "cannot write the proxy's config: " + error);
    if (m_pid == 0) {
        // Also the way out of "failing": a new apply (the fix, or the same config once the
        // port is free) gets a fresh set of tries.
        m_pending.push_back(std::move(done));
        m_restart_timer.cancel();
        m_next_restart_at_ms.reset();
        m_fast_failures = 0;
        m_failing_reason.clear();
        return spawn();
    }
    if (!m_ready) {
        m_pending.push_back(std::move(done));  // pushed once the starting proxy answers
        return;
    }
    if (m_running == m_desired) {
        m_loaded_version = version;
        changed();
        return done(true, "");
    }
    push(std::move(done));
}

void ProxySupervisor::push(Applied done) {
    // One replace_config at a time: each goes over its own connection, so two in flight could
    // be applied in the wrong order and leave the proxy on the older one.
    if (m_push_in_flight) {
        if (done) m_queued_push_waiters.push_back(std::move(done));
        m_push_queued = true;
        return;
    }
    m_push_in_flight = true;
    const std::int64_t version = m_version;
    m_admin.request({{"command", "replace_config"}, {"config", m_desired}}, kAdminTimeout,
                    [this, version, done, pushed = m_desired](AdminAnswer answer) {
                        m_push_in_flight = false;
                        if (!answer.ok) {
                            std::string note = "the proxy refused the config: " + answer.error;
                            if (answer.body.is_object() && answer.body.contains("errors"))
                                note += " " + answer.body["errors"].dump();
                            log_warning(note);
                            if (done) done(false, note);
                        } else {
                            m_loaded_version = std::max(m_loaded_version, version);
                            m_running = pushed;
                            changed();
                            if (done) done(true, "");
                        }
                        push_queued();
                    });
}

void ProxySupervisor::push_queued() {
    if (!m_push_queued) return;
    m_push_queued = false;
    auto waiters = std::move(m_queued_push_waiters);
    m_queued_push_waiters.clear();
    Applied all = [waiters](bool reloaded, const std::string& note) {
        for (const auto& waiter : waiters) waiter(reloaded, note);
    };
    if (m_pid == 0 || !m_ready) return all(false, "the proxy exited before it took the config");
    if (m_running == m_desired) {
        m_loaded_version = std::max(m_loaded_version, m_version);
        return all(true, "");
    }
    push(std::move(all));
}

void ProxySupervisor::sync(const json& effective) {
    if (!m_configured || effective == m_desired) return;
    m_desired = effective;
    if (auto error = write_config(); !error.empty()) log_warning("cannot write the proxy's config: " + error);
    if (m_pid > 0 && m_ready) push(nullptr);
}

void ProxySupervisor::spawn() {
    ++m_generation;
    m_ready = false;
    m_stopping = false;
    SpawnRequest request;
    request.argv = {m_executable, "proxy", "--config", m_paths.config_file.string(), "--admin-socket",
                    m_paths.admin_socket.string()};
    if (::geteuid() == 0) request.argv.push_back("--allow-root");  // only when the daemon itself was allowed
    request.log_file = m_paths.log_file;
    request.error_log_file = m_paths.stderr_log_file;
    m_started_steady_ms = steady_ms();
    m_started_at_ms = now_ms();
    m_running = m_desired;  // what the file holds now is what it reads
    const auto result = spawn_process(request);
    if (!result.ok()) {
        protocol::ExitInfo info;
        info.reason = result.error;
        info.at_ms = now_ms();
        return on_exit(m_generation, info);
    }
    m_pid = result.pid;
    m_start_ticks = read_proc_stat(m_pid).value_or(ProcStat{}).start_ticks;
    LogFiles::append_agent_line(m_paths.log_file, m_paths.stderr_log_file, "started proxy pid " + std::to_string(m_pid));
    log_info("proxy started, pid " + std::to_string(m_pid));
    const auto generation = m_generation;
    m_watcher.watch_child(m_pid, [this, generation](protocol::ExitInfo info) { on_exit(generation, std::move(info)); });
    changed();
    wait_until_ready(generation, kReadyAttempts);
}

void ProxySupervisor::wait_until_ready(std::uint64_t generation, int attempts_left) {
    m_admin.request({{"command", "stats"}}, std::chrono::seconds(2), [this, generation, attempts_left](AdminAnswer answer) {
        if (generation != m_generation || m_pid == 0) return;
        if (answer.ok) return became_ready();
        if (attempts_left <= 0) {
            log_warning("the proxy (pid " + std::to_string(m_pid) + ") does not answer on its admin socket: " +
                        answer.error);
            resolve_pending(false, "the proxy started but does not answer on its admin socket: " + answer.error);
            return;
        }
        m_ready_timer.expires_after(std::chrono::milliseconds(kReadyPollMs));
        m_ready_timer.async_wait([this, generation, attempts_left](const asio::error_code& error) {
            if (!error) wait_until_ready(generation, attempts_left - 1);
        });
    });
}

void ProxySupervisor::became_ready() {
    m_ready = true;
    // It read the file as it was at its start; anything applied since is pushed now.
    if (m_running == m_desired) {
        m_loaded_version = m_version;
        changed();
        resolve_pending(true, "");
        return;
    }
    auto pending = std::move(m_pending);
    m_pending.clear();
    push([pending](bool reloaded, const std::string& note) {
        for (const auto& done : pending) done(reloaded, note);
    });
}

void ProxySupervisor::resolve_pending(bool reloaded, const std::string& note) {
    auto pending = std::move(m_pending);
    m_pending.clear();
    for (const auto& done : pending) done(reloaded, note);
}

void ProxySupervisor::on_exit(std::uint64_t generation, protocol::ExitInfo info) {
    if (generation != m_generation) return;
    const pid_t pid = m_pid;
    m_pid = 0;
    m_ready = false;
    m_ready_timer.cancel();
    if (pid > 0) signal_group(pid, SIGKILL);
    const double uptime_s = static_cast<double>(steady_ms() - m_started_steady_ms) / 1000.0;
    m_last_exit = info.reason;
    LogFiles::append_agent_line(m_paths.log_file, m_paths.stderr_log_file, "proxy " + info.reason);
    resolve_pending(false, "the proxy exited: " + info.reason + " (see logs.tail of \"proxy\")");
    if (!m_stop_waiters.empty() || !m_configured) {
        m_kill_timer.cancel();
        m_stopping = false;
        changed();
        auto waiters = std::move(m_stop_waiters);
        m_stop_waiters.clear();
        for (auto& waiter : waiters) waiter();
        return;
    }
    const auto restart = proxy_restart();
    m_fast_failures = uptime_s * 1000.0 < restart.stable_after_ms ? m_fast_failures + 1 : 0;
    if (m_fast_failures >= restart.max_fast_failures) {
        const std::string output = last_error_line();
        m_failing_reason = "the proxy exited " + std::to_string(m_fast_failures) + " times in a row within " +
                           std::to_string(restart.stable_after_ms / 1000) + " s of starting and is no longer restarted; last: " +
                           info.reason + (output.empty() ? std::string() : " (it said: " + output + ")") +
                           ". Fix the cause (see logs.tail of \"proxy\"), then apply the config again.";
        m_next_restart_at_ms.reset();
        LogFiles::append_agent_line(m_paths.log_file, m_paths.stderr_log_file, "FAILING: " + m_failing_reason);
        log_error("proxy FAILING: " + m_failing_reason);
        changed();
        return;
    }
    const int delay = backoff_delay_ms(restart, std::max(m_fast_failures, 1));
    ++m_restarts;
    m_next_restart_at_ms = now_ms() + delay;
    LogFiles::append_agent_line(m_paths.log_file, m_paths.stderr_log_file, "restarting in " + std::to_string(delay) + " ms");
    log_warning("proxy " + info.reason + "; restarting in " + std::to_string(delay) + " ms");
    changed();
    m_restart_timer.expires_after(std::chrono::milliseconds(delay));
    m_restart_timer.async_wait([this](const asio::error_code& error) {
        if (error || m_pid != 0 || !m_configured) return;
        m_next_restart_at_ms.reset();
        spawn();
    });
}

std::string ProxySupervisor::last_error_line() const {
    // The proxy says why it cannot start on stderr ("cannot bind 127.0.0.1:80: ...").
    const auto tail = LogFiles::tail({{m_paths.stderr_log_file, std::nullopt, kStderr}}, "proxy", 20);
    for (auto it = tail.lines.rbegin(); it != tail.lines.rend(); ++it) {
        if (it->stream != "agent" && !it->text.empty()) return it->text.substr(0, 300);
    }
    return {};
}

void ProxySupervisor::stop(std::function<void()> done) {
    m_configured = false;
    m_restart_timer.cancel();
    m_next_restart_at_ms.reset();
    m_failing_reason.clear();
    if (m_pid == 0) {
        changed();
        if (done) done();
        return;
    }
    if (done) m_stop_waiters.push_back(std::move(done));
    m_stopping = true;
    changed();
    if (!signal_group(m_pid, SIGTERM)) ::kill(m_pid, SIGTERM);
    m_kill_timer.expires_after(std::chrono::milliseconds(kStopGraceMs));
    const auto generation = m_generation;
    m_kill_timer.async_wait([this, generation](const asio::error_code& error) {
        if (!error && generation == m_generation && m_pid > 0) signal_group(m_pid, SIGKILL);
    });
}

struct ProxySupervisor::DrainState {
    std::vector<std::string> pools;
    std::string address;
    std::int64_t deadline;
    std::function<void()> done;
    asio::steady_timer timer;
};

void ProxySupervisor::drain(std::vector<std::string> pools, std::string address, std::chrono::milliseconds timeout,
                            std::function<void()> done) {
    if (pools.empty() || !ready()) return done();
    drain_check(std::make_shared<DrainState>(DrainState{std::move(pools), std::move(address),
                                                        steady_ms() + timeout.count(), std::move(done),
                                                        asio::steady_timer(m_io)}));
}

// One round: server_status in every pool; done when all say "draining, nothing in flight"
// (or no longer have the server), else again in 200 ms until the deadline.
void ProxySupervisor::drain_check(const std::shared_ptr<DrainState>& state) {
    auto left = std::make_shared<std::size_t>(state->pools.size());
    auto all_drained = std::make_shared<bool>(true);
    for (const auto& pool : state->pools) {
        m_admin.request({{"command", "server_status"}, {"pool", pool}, {"address", state->address}},
                        std::chrono::seconds(2), [this, state, left, all_drained](AdminAnswer answer) {
                            if (answer.ok && answer.body.contains("server")) {
                                const auto& server = answer.body["server"];
                                if (server.value("state", "") != "draining" || server.value("in_flight", 0) > 0)
                                    *all_drained = false;
                            }
                            if (--*left > 0) return;
                            if (*all_drained || steady_ms() >= state->deadline || !ready()) {
                                if (!*all_drained)
                                    log_warning(state->address + " was not drained when the drain time ran out");
                                if (auto finish = take_once(state->done)) finish();
                                return;
                            }
                            state->timer.expires_after(std::chrono::milliseconds(200));
                            state->timer.async_wait([this, state](const asio::error_code& error) {
                                if (!error) drain_check(state);
                            });
                        });
    }
}

protocol::ProxyStatus ProxySupervisor::status() const {
    protocol::ProxyStatus status;
    status.configured = m_configured;
    status.running = m_pid > 0;
    status.pid = m_pid;
    status.uptime_s = m_pid > 0 ? static_cast<double>(steady_ms() - m_started_steady_ms) / 1000.0 : 0.0;
    status.restarts = m_restarts;
    status.config_version = m_pid > 0 ? m_loaded_version : 0;
    status.last_exit = m_last_exit;
    status.next_restart_at_ms = m_next_restart_at_ms;
    status.failing_reason = m_failing_reason;
    using protocol::InstanceState;
    if (m_pid > 0) {
        status.state = m_stopping ? InstanceState::stopping : m_ready ? InstanceState::running : InstanceState::starting;
    } else if (!m_failing_reason.empty()) {
        status.state = InstanceState::failing;
    } else if (m_next_restart_at_ms) {
        status.state = InstanceState::backoff;
    } else {
        status.state = InstanceState::stopped;
    }
    return status;
}

json ProxySupervisor::runtime_state() const {
    if (m_pid == 0) return nullptr;
    return {{"pid", m_pid}, {"start_ticks", m_start_ticks}, {"started_at_ms", m_started_at_ms},
            {"restarts", m_restarts}, {"config_version", m_loaded_version}};
}

bool ProxySupervisor::adopt(const json& record) {
    if (!record.is_object()) return false;
    try {
        const pid_t pid = record.at("pid").get<pid_t>();
        const auto start_ticks = record.at("start_ticks").get<std::uint64_t>();
        if (!process_matches(pid, start_ticks)) return false;
        ++m_generation;
        const auto generation = m_generation;
        if (!m_watcher.watch_adopted(pid, [this, generation](protocol::ExitInfo info) { on_exit(generation, std::move(info)); }))
            return false;
        m_pid = pid;
        m_start_ticks = start_ticks;
        m_started_at_ms = record.value("started_at_ms", std::int64_t{0});
        m_started_steady_ms = steady_ms() - std::max<std::int64_t>(0, now_ms() - m_started_at_ms);
        m_restarts = record.value("restarts", 0);
        m_loaded_version = record.value("config_version", std::int64_t{0});
        m_configured = true;
        m_version = m_loaded_version;
        // What it runs is in the config file the previous daemon wrote; apply() compares.
        if (auto text = read_small_file(m_paths.config_file, 16 << 20)) m_running = json::parse(*text, nullptr, false);
        m_desired = m_running;
        LogFiles::append_agent_line(m_paths.log_file, m_paths.stderr_log_file, "adopted proxy pid " + std::to_string(pid) + " from the previous agent");
        log_info("adopted the running proxy, pid " + std::to_string(pid));
        wait_until_ready(generation, kReadyAttempts);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace fulcrum::agent
