#include "agent/workers/worker_instance.h"

#include "agent/daemon/clock.h"
#include "agent/daemon/log.h"
#include "agent/util/proc.h"
#include "agent/workers/health_check.h"
#include "agent/workers/spawn.h"

#include <signal.h>

#include <algorithm>

namespace fulcrum::agent {

using protocol::InstanceState;

namespace {
// A worker that has not passed its first health check after this long is reported unhealthy
// (it keeps running: slow starts are allowed, silent ones are not).
constexpr int kStartTimeoutMs = 60000;
// Consecutive failed probes before a running worker counts as unhealthy.
constexpr int kUnhealthyAfter = 3;
}  // namespace

int backoff_delay_ms(const RestartSpec& restart, int failures) {
    std::int64_t delay = restart.backoff_initial_ms;
    for (int i = 1; i < failures && delay < restart.backoff_max_ms; ++i) delay *= 2;
    return static_cast<int>(std::min<std::int64_t>(delay, restart.backoff_max_ms));
}

WorkerInstance::WorkerInstance(WorkerContext& context, std::shared_ptr<const WorkerGroupSpec> spec, int index, int port,
                               Changed changed)
    : m_ctx(context),
      m_spec(std::move(spec)),
      m_index(index),
      m_port(port),
      m_changed(std::move(changed)),
      m_restart_timer(context.io),
      m_probe_timer(context.io),
      m_kill_timer(context.io) {}

WorkerInstance::~WorkerInstance() {
    if (m_pid > 0) m_ctx.watcher.forget(m_pid);
}

std::filesystem::path WorkerInstance::log_file() const { return m_ctx.logs.instance_log(m_spec->name, m_index); }

std::filesystem::path WorkerInstance::stderr_log_file() const {
    return m_ctx.logs.instance_stderr_log(m_spec->name, m_index);
}

std::string WorkerInstance::who() const {
    return "worker " + m_spec->name + "[" + std::to_string(m_index) + "] (port " + std::to_string(m_port) + ")";
}

void WorkerInstance::log_event(const std::string& text) const {
    LogFiles::append_agent_line(log_file(), stderr_log_file(), text);
    log_info(who() + ": " + text);
}

void WorkerInstance::set_state(InstanceState state) {
    if (m_state == state) return;
    m_state = state;
    if (m_changed) m_changed();
}

void WorkerInstance::start(bool explicit_start) {
    m_wanted = true;
    if (explicit_start) {
        m_fast_failures = 0;
        if (m_state == InstanceState::failing) m_restarts = 0;
    }
    if (m_pid > 0) return;  // running, starting or stopping: it is wanted again either way
    m_restart_timer.cancel();
    m_next_restart_at_ms.reset();
    spawn();
}

void WorkerInstance::spawn() {
    ++m_generation;
    m_health_failures = 0;
    m_probe_in_flight = false;
    m_health_detail.clear();
    const auto& spec = *m_spec;
    SpawnRequest request;
    request.argv = spec.argv_for(m_index);
    request.cwd = spec.cwd.empty() ? m_ctx.default_cwd : spec.cwd;
    request.env = spec.env;
    request.env["PORT"] = std::to_string(m_port);
    request.env["FULCRUM_WORKER_GROUP"] = spec.name;
    request.env["FULCRUM_WORKER_INDEX"] = std::to_string(m_index);
    request.log_file = log_file();
    request.error_log_file = stderr_log_file();
    m_started_steady_ms = steady_ms();
    m_started_at_ms = now_ms();
    const auto result = spawn_process(request);
    if (!result.ok()) {
        protocol::ExitInfo info;
        info.reason = result.error;
        info.at_ms = now_ms();
        log_event("could not start: " + result.error);
        after_exit(info);
        return;
    }
    m_pid = result.pid;
    m_start_ticks = watch_stat_file();
    m_cpu_ticks = 0;
    m_cpu_sampled_ms = 0;
    log_event("started pid " + std::to_string(m_pid) + ": " + shown_command_line(request.argv));
    const auto generation = m_generation;
    std::weak_ptr<WorkerInstance> weak = weak_from_this();
    m_ctx.watcher.watch_child(m_pid, [weak, generation](protocol::ExitInfo info) {
        if (auto self = weak.lock()) self->on_exit(generation, std::move(info));
    });
    if (spec.health.type == HealthCheckSpec::Type::none) {
        set_state(InstanceState::running);
    } else {
        set_state(InstanceState::starting);
        if (m_changed) m_changed();  // the pid changed even if the state did not
        schedule_probe(100);
    }
}

bool WorkerInstance::adopt(const AdoptRecord& record) {
    if (!process_matches(record.pid, record.start_ticks)) return false;
    ++m_generation;
    m_probe_in_flight = false;
    const auto generation = m_generation;
    std::weak_ptr<WorkerInstance> weak = weak_from_this();
    if (!m_ctx.watcher.watch_adopted(record.pid, [weak, generation](protocol::ExitInfo info) {
            if (auto self = weak.lock()) self->on_exit(generation, std::move(info));
        }))
        return false;
    m_wanted = true;
    m_pid = record.pid;
    m_start_ticks = record.start_ticks;
    watch_stat_file();
    m_started_at_ms = record.started_at_ms;
    m_started_steady_ms = steady_ms() - std::max<std::int64_t>(0, now_ms() - record.started_at_ms);
    m_restarts = record.restarts;
    log_event("adopted pid " + std::to_string(m_pid) + " from the previous agent");
    if (m_spec->health.type == HealthCheckSpec::Type::none) {
        set_state(InstanceState::running);
    } else {
        // It served until now; keep it "running" unless probes say otherwise.
        set_state(InstanceState::running);
        schedule_probe(0);
    }
    return true;
}

void WorkerInstance::schedule_probe(int delay_ms) {
    m_probe_timer.expires_after(std::chrono::milliseconds(delay_ms));
    std::weak_ptr<WorkerInstance> weak = weak_from_this();
    const auto generation = m_generation;
    m_probe_timer.async_wait([weak, generation](const asio::error_code& error) {
        auto self = weak.lock();
        if (error || !self || self->m_generation != generation || self->m_pid == 0) return;
        self->probe();
    });
}

void WorkerInstance::probe_round() {
    if (m_pid <= 0 || m_probe_in_flight || m_spec->health.type == HealthCheckSpec::Type::none) return;
    if (m_state == InstanceState::running || m_state == InstanceState::unhealthy) probe();
}

void WorkerInstance::probe() {
    std::weak_ptr<WorkerInstance> weak = weak_from_this();
    const auto generation = m_generation;
    m_probe_in_flight = true;
    probe_health(m_ctx.io, m_spec->health, m_port, [weak, generation](ProbeResult result) {
        auto self = weak.lock();
        if (!self || self->m_generation != generation) return;
        self->m_probe_in_flight = false;
        if (self->m_pid == 0 || self->m_state == InstanceState::stopping) return;
        const auto& health = self->m_spec->health;
        if (result.healthy) {
            self->m_health_failures = 0;
            if (self->m_state != InstanceState::running) {
                if (self->m_state == InstanceState::unhealthy) self->log_event("healthy again: " + result.detail);
                self->set_state(InstanceState::running);
            }
        } else {
            ++self->m_health_failures;
            self->m_health_detail = result.detail;
            const bool start_overdue =
                self->m_state == InstanceState::starting && steady_ms() - self->m_started_steady_ms > kStartTimeoutMs;
            if ((self->m_state == InstanceState::running && self->m_health_failures >= kUnhealthyAfter) || start_overdue) {
                self->log_event("unhealthy: " + result.detail);
                self->set_state(InstanceState::unhealthy);
            }
        }
        // While starting, look often so "running" follows readiness closely; after that the
        // group's round (one timer per group, on the daemon's tick grid) probes every interval.
        if (self->m_state == InstanceState::starting) self->schedule_probe(std::min(health.interval_ms, 200));
    });
}

void WorkerInstance::on_exit(std::uint64_t generation, protocol::ExitInfo info) {
    if (generation != m_generation) return;
    const pid_t pgid = m_pid;
    m_pid = 0;
    m_stat_file.reset();
    info.uptime_s = static_cast<double>(steady_ms() - m_started_steady_ms) / 1000.0;
    m_probe_timer.cancel();
    // Whatever the worker forked stays in its process group; it must not keep the port.
    signal_group(pgid, SIGKILL);
    log_event("pid " + std::to_string(pgid) + " " + info.reason + " after " +
              std::to_string(static_cast<long long>(info.uptime_s)) + " s");
    after_exit(info);
}

void WorkerInstance::after_exit(const protocol::ExitInfo& info) {
    m_last_exit = info;
    m_cpu_percent = 0;
    m_rss_bytes = 0;
    if (!m_wanted) return finish_stop();
    const auto& restart = m_spec->restart;
    const bool clean = info.exit_code && *info.exit_code == 0;
    if (restart.policy == RestartSpec::Policy::never ||
        (restart.policy == RestartSpec::Policy::on_failure && clean)) {
        m_wanted = false;
        log_event("not restarted (restart policy)");
        set_state(InstanceState::stopped);
        if (m_changed) m_changed();
        return;
    }
    const bool fast = info.uptime_s * 1000.0 < restart.stable_after_ms;
    m_fast_failures = fast ? m_fast_failures + 1 : 0;
    if (m_fast_failures >= restart.max_fast_failures) {
        log_event("FAILING: exited " + std::to_string(m_fast_failures) + " times in a row within " +
                  std::to_string(restart.stable_after_ms) + " ms of starting; last: " + info.reason +
                  ". Not restarted until started again.");
        m_next_restart_at_ms.reset();
        set_state(InstanceState::failing);
        if (m_changed) m_changed();
        return;
    }
    const int delay = backoff_delay_ms(restart, std::max(m_fast_failures, 1));
    m_next_restart_at_ms = now_ms() + delay;
    ++m_restarts;
    log_event("restarting in " + std::to_string(delay) + " ms");
    set_state(InstanceState::backoff);
    if (m_changed) m_changed();
    m_restart_timer.expires_after(std::chrono::milliseconds(delay));
    std::weak_ptr<WorkerInstance> weak = weak_from_this();
    m_restart_timer.async_wait([weak](const asio::error_code& error) {
        auto self = weak.lock();
        if (error || !self || !self->m_wanted || self->m_pid > 0) return;
        self->m_next_restart_at_ms.reset();
        self->spawn();
    });
}

void WorkerInstance::stop(std::function<void()> done) {
    m_wanted = false;
    m_restart_timer.cancel();
    m_probe_timer.cancel();
    m_next_restart_at_ms.reset();
    if (done) m_stop_waiters.push_back(std::move(done));
    if (m_pid == 0) return finish_stop();
    if (m_state == InstanceState::stopping) return;
    log_event("stopping pid " + std::to_string(m_pid) + " (SIGTERM, SIGKILL after " +
              std::to_string(m_spec->stop_grace_ms) + " ms)");
    if (!signal_group(m_pid, SIGTERM)) ::kill(m_pid, SIGTERM);
    set_state(InstanceState::stopping);
    m_kill_timer.expires_after(std::chrono::milliseconds(m_spec->stop_grace_ms));
    std::weak_ptr<WorkerInstance> weak = weak_from_this();
    const auto generation = m_generation;
    m_kill_timer.async_wait([weak, generation](const asio::error_code& error) {
        auto self = weak.lock();
        if (error || !self || self->m_generation != generation || self->m_pid == 0) return;
        self->log_event("still running after the grace period: SIGKILL");
        if (!signal_group(self->m_pid, SIGKILL)) ::kill(self->m_pid, SIGKILL);
    });
}

void WorkerInstance::finish_stop() {
    m_kill_timer.cancel();
    set_state(InstanceState::stopped);
    if (m_changed) m_changed();
    auto waiters = std::move(m_stop_waiters);
    m_stop_waiters.clear();
    for (auto& waiter : waiters) waiter();
}

void WorkerInstance::restart() {
    std::weak_ptr<WorkerInstance> weak = weak_from_this();
    stop([weak] {
        if (auto self = weak.lock()) self->start(true);
    });
}

std::uint64_t WorkerInstance::watch_stat_file() {
    // Opened now, while the pid is certainly this process (a child not yet reaped, or an
    // adopted one just matched by start time): the descriptor stays with it, never with a
    // later process that reuses the pid.
    m_stat_file.emplace("/proc/" + std::to_string(m_pid) + "/stat", 8192);
    const auto text = m_stat_file->read();
    if (!text) return 0;
    return parse_proc_stat(*text).value_or(ProcStat{}).start_ticks;
}

void WorkerInstance::sample_usage() {
    if (m_pid <= 0 || !m_stat_file) return;
    const auto text = m_stat_file->read();
    const auto stat = text ? parse_proc_stat(*text) : std::nullopt;
    if (!stat) return;
    const std::uint64_t ticks = stat->utime_ticks + stat->stime_ticks;
    const std::int64_t now = steady_ms();
    if (m_cpu_sampled_ms > 0 && now > m_cpu_sampled_ms && ticks >= m_cpu_ticks) {
        const double cpu_seconds = static_cast<double>(ticks - m_cpu_ticks) / static_cast<double>(clock_ticks_per_second());
        m_cpu_percent = 100.0 * cpu_seconds / (static_cast<double>(now - m_cpu_sampled_ms) / 1000.0);
    }
    m_cpu_ticks = ticks;
    m_cpu_sampled_ms = now;
    m_rss_bytes = stat->rss_pages * static_cast<std::uint64_t>(page_size_bytes());
}

protocol::WorkerInstance WorkerInstance::status() const {
    protocol::WorkerInstance status;
    status.index = m_index;
    status.port = m_port;
    status.pid = m_pid;
    status.state = m_state;
    status.uptime_s = m_pid > 0 ? static_cast<double>(steady_ms() - m_started_steady_ms) / 1000.0 : 0.0;
    status.restarts = m_restarts;
    status.cpu_percent = m_cpu_percent;
    status.rss_bytes = m_rss_bytes;
    status.last_exit = m_last_exit;
    status.next_restart_at_ms = m_next_restart_at_ms;
    return status;
}

}  // namespace fulcrum::agent
