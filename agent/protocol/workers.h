#pragma once
// workers.*: groups of worker processes started from a command template, one per port.

#include "agent/protocol/json_fields.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::protocol {

enum class InstanceState {
    unknown,
    starting,   // spawned, health check not passed yet
    running,    // healthy (or no health check and alive)
    unhealthy,  // alive but failing its health check
    backoff,    // exited; waiting before the next restart
    failing,    // too many fast failures: not restarted until started again; see last_exit
    stopping,   // SIGTERM sent, waiting for the grace period
    stopped,
};
NLOHMANN_JSON_SERIALIZE_ENUM(InstanceState, {{InstanceState::unknown, "unknown"},
                                             {InstanceState::starting, "starting"},
                                             {InstanceState::running, "running"},
                                             {InstanceState::unhealthy, "unhealthy"},
                                             {InstanceState::backoff, "backoff"},
                                             {InstanceState::failing, "failing"},
                                             {InstanceState::stopping, "stopping"},
                                             {InstanceState::stopped, "stopped"}})

enum class GroupState {
    unknown,
    running,   // every instance running
    degraded,  // some instances not running (starting, backoff, unhealthy)
    failing,   // at least one instance gave up; failing_reason says why
    stopped,
};
NLOHMANN_JSON_SERIALIZE_ENUM(GroupState, {{GroupState::unknown, "unknown"},
                                          {GroupState::running, "running"},
                                          {GroupState::degraded, "degraded"},
                                          {GroupState::failing, "failing"},
                                          {GroupState::stopped, "stopped"}})

// Why a process ended, in words for the panel ("exited with status 1", "killed by SIGSEGV").
struct ExitInfo {
    std::string reason;
    std::optional<int> exit_code;
    std::optional<int> signal;
    std::int64_t at_ms = 0;
    double uptime_s = 0;  // how long it ran before exiting
    bool operator==(const ExitInfo&) const = default;
};
FULCRUM_PROTOCOL_JSON(ExitInfo, reason, exit_code, signal, at_ms, uptime_s)

struct WorkerInstance {
    int index = 0;
    int port = 0;
    std::int64_t pid = 0;  // 0 when not running
    InstanceState state = InstanceState::stopped;
    double uptime_s = 0;
    int restarts = 0;      // since the group was last started explicitly
    double cpu_percent = 0;  // of one core, averaged over the last sample interval
    std::uint64_t rss_bytes = 0;
    std::optional<ExitInfo> last_exit;
    std::optional<std::int64_t> next_restart_at_ms;  // when in backoff
    bool operator==(const WorkerInstance&) const = default;
};
FULCRUM_PROTOCOL_JSON(WorkerInstance, index, port, pid, state, uptime_s, restarts, cpu_percent, rss_bytes, last_exit,
                      next_restart_at_ms)

struct WorkerGroupStatus {
    std::string name;
    GroupState state = GroupState::stopped;
    std::string command;  // the template, e.g. "python3 app.py {port}"
    int desired_count = 0;
    std::vector<WorkerInstance> instances;
    std::string failing_reason;  // plain words when state is failing
    bool operator==(const WorkerGroupStatus&) const = default;
};
FULCRUM_PROTOCOL_JSON(WorkerGroupStatus, name, state, command, desired_count, instances, failing_reason)

struct WorkersListParams {
    std::optional<std::string> group;  // absent: all groups
    bool operator==(const WorkersListParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(WorkersListParams, group)

struct WorkersListResult {
    std::vector<WorkerGroupStatus> groups;
    int suggested_count = 0;  // for a new group: the number of cores
    bool operator==(const WorkersListResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(WorkersListResult, groups, suggested_count)

// start/stop/restart a whole group, or one instance when `index` is set.
struct WorkersTarget {
    std::string group;
    std::optional<int> index;
    bool operator==(const WorkersTarget&) const = default;
};
FULCRUM_PROTOCOL_JSON(WorkersTarget, group, index)

struct WorkersScaleParams {
    std::string group;
    int count = 0;
    bool operator==(const WorkersScaleParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(WorkersScaleParams, group, count)

// workers.changed notification: the new status of one group after any state change.
struct WorkersChanged {
    WorkerGroupStatus group;
    bool operator==(const WorkersChanged&) const = default;
};
FULCRUM_PROTOCOL_JSON(WorkersChanged, group)

}  // namespace fulcrum::protocol
