#include "agent/workers/worker_group.h"

#include "agent/util/tick_grid.h"

#include <algorithm>

namespace fulcrum::agent {

using protocol::GroupState;
using protocol::InstanceState;

WorkerGroup::WorkerGroup(WorkerContext& context, WorkerGroupSpec spec, std::function<void()> changed)
    : m_ctx(context),
      m_spec(std::make_shared<const WorkerGroupSpec>(std::move(spec))),
      m_changed(std::move(changed)),
      m_probe_timer(context.io) {}

WorkerGroup::~WorkerGroup() = default;

std::shared_ptr<WorkerInstance> WorkerGroup::make_instance(int index, int port) {
    return std::make_shared<WorkerInstance>(m_ctx, m_spec, index, port, m_changed);
}

void WorkerGroup::apply(WorkerGroupSpec spec, const Drain& drain, std::map<int, AdoptRecord>& adoptable) {
    const bool first = m_instances.empty() && m_leaving.empty();
    const bool process_changed = !first && (spec.command != m_spec->command || spec.cwd != m_spec->cwd ||
                                            spec.env != m_spec->env);
    m_spec = std::make_shared<const WorkerGroupSpec>(std::move(spec));
    std::vector<std::shared_ptr<WorkerInstance>> next;
    for (std::size_t i = 0; i < m_spec->ports.size(); ++i) {
        const int port = m_spec->ports[i];
        auto it = std::find_if(m_instances.begin(), m_instances.end(), [&](const auto& w) { return w->port() == port; });
        std::shared_ptr<WorkerInstance> instance;
        if (it != m_instances.end()) {
            instance = *it;
            m_instances.erase(it);
            instance->set_spec(m_spec);
            instance->set_index(static_cast<int>(i));
            if (process_changed) instance->restart();
        } else {
            instance = make_instance(static_cast<int>(i), port);
            auto adopt = adoptable.find(port);
            const bool adopted = adopt != adoptable.end() && instance->adopt(adopt->second);
            if (adopt != adoptable.end()) adoptable.erase(adopt);
            if (!adopted && !m_user_stopped) instance->start(true);
        }
        next.push_back(std::move(instance));
    }
    // Ports no longer in the spec: drain (the proxy stops sending them requests), then stop.
    for (auto& leaving : m_instances) drain_and_stop(leaving, drain, nullptr);
    m_instances = std::move(next);
    arm_probe_round();
    if (m_changed) m_changed();
}

void WorkerGroup::arm_probe_round() {
    const auto round = ++m_probe_rounds;
    if (m_spec->health.type == HealthCheckSpec::Type::none) {
        m_probe_timer.cancel();
        return;
    }
    const std::chrono::milliseconds interval(m_spec->health.interval_ms);
    m_probe_timer.expires_at(next_grid_point(std::chrono::steady_clock::now(), interval));
    m_probe_timer.async_wait([this, alive = std::weak_ptr<char>(m_alive), round](const asio::error_code& error) {
        if (error || alive.expired() || round != m_probe_rounds) return;
        for (auto& instance : m_instances) instance->probe_round();
        arm_probe_round();
    });
}

void WorkerGroup::drain_and_stop(const std::shared_ptr<WorkerInstance>& instance, const Drain& drain,
                                 std::function<void()> done) {
    m_leaving.push_back(instance);
    std::weak_ptr<WorkerInstance> weak = instance;
    auto finish = [this, weak, done = std::move(done)] {
        auto self = weak.lock();
        if (!self) return;
        self->stop([this, weak, done] {
            auto stopped = weak.lock();
            m_leaving.erase(std::remove(m_leaving.begin(), m_leaving.end(), stopped), m_leaving.end());
            if (m_changed) m_changed();
            if (done) done();
        });
    };
    if (drain && instance->pid() > 0) {
        drain(m_spec->name, instance->port(), finish);
    } else {
        finish();
    }
}

void WorkerGroup::remove(const Drain& drain, std::function<void()> done) {
    auto instances = std::move(m_instances);
    m_instances.clear();
    if (instances.empty()) {
        if (done) done();
        return;
    }
    auto left = std::make_shared<std::size_t>(instances.size());
    for (auto& instance : instances) {
        drain_and_stop(instance, drain, [left, done] {
            if (--*left == 0 && done) done();
        });
    }
}

bool WorkerGroup::has_index(int index) const { return index >= 0 && index < static_cast<int>(m_instances.size()); }

void WorkerGroup::start(std::optional<int> index) {
    if (!index) m_user_stopped = false;
    for (auto& instance : m_instances) {
        if (!index || instance->index() == *index) instance->start(true);
    }
    if (m_changed) m_changed();
}

void WorkerGroup::stop(std::optional<int> index, std::function<void()> done, StopReason reason) {
    if (!index && reason == StopReason::requested) m_user_stopped = true;
    std::vector<std::shared_ptr<WorkerInstance>> targets;
    for (auto& instance : m_instances) {
        if (!index || instance->index() == *index) targets.push_back(instance);
    }
    // The whole group includes instances still draining after a scale-down: a daemon shutdown
    // must not leave them running with nobody to finish their stop.
    if (!index) targets.insert(targets.end(), m_leaving.begin(), m_leaving.end());
    auto left = std::make_shared<std::size_t>(targets.size());
    if (targets.empty() && done) done();
    for (auto& instance : targets) {
        instance->stop([left, done] {
            if (--*left == 0 && done) done();
        });
    }
    if (m_changed) m_changed();
}

void WorkerGroup::restart(std::optional<int> index) {
    if (!index) m_user_stopped = false;
    for (auto& instance : m_instances) {
        if (!index || instance->index() == *index) instance->restart();
    }
}

std::vector<int> WorkerGroup::log_indexes() const {
    std::vector<int> indexes;
    for (const auto& instance : m_instances) indexes.push_back(instance->index());
    return indexes;
}

void WorkerGroup::sample_usage() {
    for (auto& instance : m_instances) instance->sample_usage();
    for (auto& instance : m_leaving) instance->sample_usage();
}

std::vector<std::pair<int, AdoptRecord>> WorkerGroup::records() const {
    std::vector<std::pair<int, AdoptRecord>> records;
    for (const auto* list : {&m_instances, &m_leaving}) {
        for (const auto& instance : *list) {
            if (instance->pid() > 0) records.emplace_back(instance->port(), instance->record());
        }
    }
    return records;
}

protocol::WorkerGroupStatus WorkerGroup::status() const {
    protocol::WorkerGroupStatus status;
    status.name = m_spec->name;
    status.command = m_spec->command_line();
    status.desired_count = static_cast<int>(m_spec->ports.size());
    int running = 0;
    int stopped = 0;
    for (const auto& instance : m_instances) {
        auto s = instance->status();
        if (s.state == InstanceState::running) ++running;
        if (s.state == InstanceState::stopped) ++stopped;
        if (s.state == InstanceState::failing && status.failing_reason.empty()) {
            status.failing_reason = "instance " + std::to_string(s.index) + " (port " + std::to_string(s.port) +
                                    ") kept exiting soon after it started and is no longer restarted" +
                                    (s.last_exit ? "; last: " + s.last_exit->reason : std::string()) +
                                    ". Fix the cause (see its log), then start the group again.";
        }
        status.instances.push_back(std::move(s));
    }
    for (const auto& instance : m_leaving) {
        auto s = instance->status();
        if (s.state == InstanceState::running) s.state = InstanceState::stopping;  // draining
        status.instances.push_back(std::move(s));
    }
    const int total = static_cast<int>(m_instances.size());
    if (!status.failing_reason.empty()) {
        status.state = GroupState::failing;
    } else if (stopped == total) {
        status.state = GroupState::stopped;
    } else if (running == total) {
        status.state = GroupState::running;
    } else {
        status.state = GroupState::degraded;
    }
    return status;
}

}  // namespace fulcrum::agent
