#pragma once
// One worker process of a group, and its life: spawn, health, crash → backoff → restart,
// too many fast failures → "failing" (visible, with the exit reason), stop = SIGTERM to the
// process group then SIGKILL after the grace period. Runs on the event loop only.

#include "agent/config/worker_spec.h"
#include "agent/logs/log_files.h"
#include "agent/protocol/workers.h"
#include "agent/util/proc_file.h"
#include "agent/workers/process_watcher.h"

#include <asio.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::agent {

struct WorkerContext {
    asio::io_context& io;
    ProcessWatcher& watcher;
    const LogFiles& logs;
    std::string default_cwd;
};

// What a previous daemon left running, to be adopted instead of started again.
struct AdoptRecord {
    pid_t pid = 0;
    std::uint64_t start_ticks = 0;
    std::int64_t started_at_ms = 0;
    int restarts = 0;
};

class WorkerInstance : public std::enable_shared_from_this<WorkerInstance> {
public:
    using Changed = std::function<void()>;

    WorkerInstance(WorkerContext& context, std::shared_ptr<const WorkerGroupSpec> spec, int index, int port,
                   Changed changed);
    ~WorkerInstance();

    // Starts if not running. `explicit_start` (workers.start/restart) also clears "failing".
    void start(bool explicit_start);
    // Stops (if running) and calls `done` once the process group is gone.
    void stop(std::function<void()> done);
    void restart();
    // Watches a process left by a previous daemon; false if it is not that process any more.
    bool adopt(const AdoptRecord& record);

    // One probe now if the instance is up and past starting (running or unhealthy) and none is
    // out: the group's health-check round calls it for all its instances at once.
    void probe_round();

    void set_spec(std::shared_ptr<const WorkerGroupSpec> spec) { m_spec = std::move(spec); }
    void set_index(int index) { m_index = index; }
    void sample_usage();

    protocol::WorkerInstance status() const;
    protocol::InstanceState state() const { return m_state; }
    int port() const { return m_port; }
    int index() const { return m_index; }
    pid_t pid() const { return m_pid; }
    AdoptRecord record() const { return {m_pid, m_start_ticks, m_started_at_ms, m_restarts}; }
    std::filesystem::path log_file() const;         // stdout and the agent's events
    std::filesystem::path stderr_log_file() const;

private:
    void spawn();
    void on_exit(std::uint64_t generation, protocol::ExitInfo info);
    void after_exit(const protocol::ExitInfo& info);
    void schedule_probe(int delay_ms);
    void probe();
    void set_state(protocol::InstanceState state);
    // Starts reading /proc/PID/stat of the process just started or adopted; its start time.
    std::uint64_t watch_stat_file();
    void finish_stop();
    void log_event(const std::string& text) const;
    std::string who() const;

    WorkerContext& m_ctx;
    std::shared_ptr<const WorkerGroupSpec> m_spec;
    int m_index;
    int m_port;
    Changed m_changed;

    protocol::InstanceState m_state = protocol::InstanceState::stopped;
    bool m_wanted = false;
    pid_t m_pid = 0;
    std::uint64_t m_start_ticks = 0;
    std::int64_t m_started_at_ms = 0;
    std::int64_t m_started_steady_ms = 0;
    std::uint64_t m_generation = 0;  // guards callbacks of an earlier process of this instance
    int m_restarts = 0;
    int m_fast_failures = 0;
    int m_health_failures = 0;
    bool m_probe_in_flight = false;
    std::string m_health_detail;
    std::optional<protocol::ExitInfo> m_last_exit;
    std::optional<std::int64_t> m_next_restart_at_ms;
    asio::steady_timer m_restart_timer;
    asio::steady_timer m_probe_timer;  // only while starting (and once on adoption); then the group's round
    asio::steady_timer m_kill_timer;
    std::vector<std::function<void()>> m_stop_waiters;

    std::optional<ProcFile> m_stat_file;  // /proc/PID/stat of the running process, kept open
    std::uint64_t m_cpu_ticks = 0;
    std::int64_t m_cpu_sampled_ms = 0;
    double m_cpu_percent = 0;
    std::uint64_t m_rss_bytes = 0;
};

// The delay before restart number `failures` (1-based) of a crashing instance.
int backoff_delay_ms(const RestartSpec& restart, int failures);

}  // namespace fulcrum::agent
