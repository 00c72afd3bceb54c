#pragma once
// A group of worker instances started from one spec, one per port. Applying a new spec
// starts added ports, drains then stops removed ones, and restarts everything when the
// command, cwd or environment changed.

#include "agent/workers/worker_instance.h"

#include <map>

namespace fulcrum::agent {

class WorkerGroup {
public:
    // Called before an instance is removed (scale down): `done` once the proxy has drained it.
    using Drain = std::function<void(const std::string& group, int port, std::function<void()> done)>;

    WorkerGroup(WorkerContext& context, WorkerGroupSpec spec, std::function<void()> changed);
    ~WorkerGroup();

    // Brings the instances in line with `spec`. `adoptable` (by port) is consumed when used.
    void apply(WorkerGroupSpec spec, const Drain& drain, std::map<int, AdoptRecord>& adoptable);

    // A stop a person asked for is remembered: the group stays stopped across daemon restarts.
    // A daemon shutdown (SIGTERM from systemctl, or from the system going down for a reboot) is
    // not, or the workers would not come back after the reboot the agent exists to survive.
    enum class StopReason { requested, shutdown };

    void start(std::optional<int> index);
    void stop(std::optional<int> index, std::function<void()> done, StopReason reason = StopReason::requested);
    void restart(std::optional<int> index);
    // Stops and drains every instance, for removal of the whole group.
    void remove(const Drain& drain, std::function<void()> done);

    bool has_index(int index) const;
    bool user_stopped() const { return m_user_stopped; }
    void set_user_stopped(bool stopped) { m_user_stopped = stopped; }
    const WorkerGroupSpec& spec() const { return *m_spec; }
    protocol::WorkerGroupStatus status() const;
    std::vector<int> log_indexes() const;
    void sample_usage();
    std::vector<std::pair<int, AdoptRecord>> records() const;  // port → running process

private:
    std::shared_ptr<WorkerInstance> make_instance(int index, int port);
    // One timer per group: every health interval (on the daemon's tick grid) it probes each
    // running instance at once, instead of one timer and one wakeup per instance.
    void arm_probe_round();
    void drain_and_stop(const std::shared_ptr<WorkerInstance>& instance, const Drain& drain, std::function<void()> done);

    WorkerContext& m_ctx;
    std::shared_ptr<const WorkerGroupSpec> m_spec;
    std::function<void()> m_changed;
    std::vector<std::shared_ptr<WorkerInstance>> m_instances;  // in spec port order
    std::vector<std::shared_ptr<WorkerInstance>> m_leaving;    // draining or stopping, then dropped
    bool m_user_stopped = false;
    asio::steady_timer m_probe_timer;
    std::uint64_t m_probe_rounds = 0;  // guards an expired wait that a re-arm could not cancel
    std::shared_ptr<char> m_alive = std::make_shared<char>(0);  // the timer's handler may outlive us
};

}  // namespace fulcrum::agent
