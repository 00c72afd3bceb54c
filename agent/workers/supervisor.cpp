#include "agent/workers/supervisor.h"

#include "agent/daemon/log.h"
#include "agent/util/proc.h"
#include "agent/workers/spawn.h"

#include <signal.h>
#include <unistd.h>

namespace fulcrum::agent {

using nlohmann::json;

Supervisor::Supervisor(asio::io_context& io, ProcessWatcher& watcher, LogFiles logs, std::string default_cwd)
    : m_io(io), m_logs(std::move(logs)), m_context{io, watcher, m_logs, std::move(default_cwd)} {}

Supervisor::~Supervisor() = default;

void Supervisor::mark_changed(const std::string& group) {
    m_dirty.insert(group);
    if (m_flush_posted) return;
    m_flush_posted = true;
    asio::post(m_io, [this] { flush_changes(); });
}

void Supervisor::flush_changes() {
    m_flush_posted = false;
    auto dirty = std::move(m_dirty);
    m_dirty.clear();
    for (const auto& name : dirty) {
        auto it = m_groups.find(name);
        if (it != m_groups.end() && m_on_group_changed) m_on_group_changed(it->second->status());
    }
    if (m_on_runtime_changed) m_on_runtime_changed();
}

std::vector<std::string> Supervisor::apply(const std::vector<WorkerGroupSpec>& specs) {
    std::vector<std::string> changed;
    std::set<std::string> wanted;
    for (const auto& spec : specs) {
        wanted.insert(spec.name);
        auto it = m_groups.find(spec.name);
        if (it == m_groups.end()) {
            auto group = std::make_unique<WorkerGroup>(m_context, spec, [this, name = spec.name] { mark_changed(name); });
            if (m_stopped_groups.contains(spec.name)) group->set_user_stopped(true);
            it = m_groups.emplace(spec.name, std::move(group)).first;
        } else if (it->second->spec() == spec) {
            continue;
        }
        changed.push_back(spec.name);
        it->second->apply(spec, m_drain, m_adoptable[spec.name]);
    }
    m_stopped_groups.clear();
    for (auto it = m_groups.begin(); it != m_groups.end();) {
        if (wanted.contains(it->first)) {
            ++it;
            continue;
        }
        changed.push_back(it->first);
        log_info("worker group " + it->first + " is no longer in the config: draining and stopping it");
        auto* group = it->second.get();
        m_removing.push_back(std::move(it->second));
        it = m_groups.erase(it);
        group->remove(m_drain, [this, group] {
            // Dropped on the next turn, outside the group's own callbacks.
            asio::post(m_io, [this, group] {
                std::erase_if(m_removing, [group](const auto& g) { return g.get() == group; });
                if (m_on_runtime_changed) m_on_runtime_changed();
            });
        });
    }
    return changed;
}

WorkerGroup* Supervisor::group(const std::string& name) {
    auto it = m_groups.find(name);
    return it == m_groups.end() ? nullptr : it->second.get();
}

std::vector<protocol::WorkerGroupStatus> Supervisor::statuses() const {
    std::vector<protocol::WorkerGroupStatus> all;
    for (const auto& [name, group] : m_groups) all.push_back(group->status());
    return all;
}

protocol::WorkersListResult Supervisor::list(const std::optional<std::string>& name) const {
    protocol::WorkersListResult result;
    result.suggested_count = static_cast<int>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    for (const auto& [group_name, group] : m_groups) {
        if (!name || *name == group_name) result.groups.push_back(group->status());
    }
    return result;
}

void Supervisor::sample_usage() {
    for (auto& [name, group] : m_groups) group->sample_usage();
}

void Supervisor::stop_all(std::function<void()> done) {
    auto left = std::make_shared<std::size_t>(m_groups.size() + m_removing.size() + 1);
    auto one_done = [left, done] {
        if (--*left == 0 && done) done();
    };
    for (auto& [name, group] : m_groups) group->stop(std::nullopt, one_done, WorkerGroup::StopReason::shutdown);
    // Groups removed from the config may still be draining: they are stopped now, too.
    auto removing = std::vector<WorkerGroup*>();
    for (auto& group : m_removing) removing.push_back(group.get());
    for (auto* group : removing) group->stop(std::nullopt, one_done, WorkerGroup::StopReason::shutdown);
    one_done();
}

json Supervisor::runtime_state() const {
    json groups = json::object();
    auto add = [&groups](const WorkerGroup& group) {
        json instances = json::array();
        for (const auto& [port, record] : group.records()) {
            instances.push_back({{"port", port},
                                 {"pid", record.pid},
                                 {"start_ticks", record.start_ticks},
                                 {"started_at_ms", record.started_at_ms},
                                 {"restarts", record.restarts}});
        }
        auto& entry = groups[group.spec().name];
        if (!entry.is_object()) entry = {{"user_stopped", group.user_stopped()}, {"instances", json::array()}};
        for (auto& i : instances) entry["instances"].push_back(std::move(i));
    };
    for (const auto& [name, group] : m_groups) add(*group);
    for (const auto& group : m_removing) add(*group);
    return groups;
}

void Supervisor::set_adoptable(const json& state) {
    m_adoptable.clear();
    m_stopped_groups.clear();
    if (!state.is_object()) return;
    for (const auto& [name, entry] : state.items()) {
        if (!entry.is_object()) continue;
        if (entry.value("user_stopped", false)) m_stopped_groups.insert(name);
        const auto instances = entry.find("instances");
        if (instances == entry.end() || !instances->is_array()) continue;
        for (const auto& instance : *instances) {
            try {
                AdoptRecord record;
                record.pid = instance.at("pid").get<pid_t>();
                record.start_ticks = instance.at("start_ticks").get<std::uint64_t>();
                record.started_at_ms = instance.value("started_at_ms", std::int64_t{0});
                record.restarts = instance.value("restarts", 0);
                m_adoptable[name][instance.at("port").get<int>()] = record;
            } catch (const std::exception&) {
                // A damaged record adopts nothing; the group starts a fresh process instead.
            }
        }
    }
}

void Supervisor::end_unwanted_leftovers() {
    for (auto& [name, records] : m_adoptable) {
        for (auto& [port, record] : records) {
            if (!process_matches(record.pid, record.start_ticks)) continue;
            log_warning("ending pid " + std::to_string(record.pid) + " (" + name + ", port " + std::to_string(port) +
                        "): left by the previous agent and no longer in the config");
            signal_group(record.pid, SIGTERM);
            auto timer = std::make_shared<asio::steady_timer>(m_io, std::chrono::seconds(10));
            // A copy, not the structured binding: clang 14 (the asan preset) cannot capture those.
            const auto leftover = record;
            timer->async_wait([timer, leftover](const asio::error_code&) {
                if (process_matches(leftover.pid, leftover.start_ticks)) signal_group(leftover.pid, SIGKILL);
            });
        }
    }
    m_adoptable.clear();
}

}  // namespace fulcrum::agent
