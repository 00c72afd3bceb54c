#pragma once
// All worker groups of the host: applies the config's workers section, answers workers.*,
// reports changes (one notification per group per loop turn), and records what runs so the
// next daemon can adopt it.

#include "agent/workers/worker_group.h"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <set>

namespace fulcrum::agent {

class Supervisor {
public:
    using GroupChanged = std::function<void(const protocol::WorkerGroupStatus&)>;

    Supervisor(asio::io_context& io, ProcessWatcher& watcher, LogFiles logs, std::string default_cwd);
    ~Supervisor();

    void set_on_group_changed(GroupChanged callback) { m_on_group_changed = std::move(callback); }
    // Called (coalesced) after anything changed that a restarted daemon must know.
    void set_on_runtime_changed(std::function<void()> callback) { m_on_runtime_changed = std::move(callback); }
    void set_drain(WorkerGroup::Drain drain) { m_drain = std::move(drain); }

    // Applies the workers section; returns the names of groups added, removed or changed.
    std::vector<std::string> apply(const std::vector<WorkerGroupSpec>& specs);

    WorkerGroup* group(const std::string& name);
    protocol::WorkersListResult list(const std::optional<std::string>& group) const;
    std::vector<protocol::WorkerGroupStatus> statuses() const;
    const LogFiles& logs() const { return m_logs; }
    void sample_usage();

    // Stops everything for a daemon shutdown; `done` when all are gone. Groups are not marked
    // stopped, so the next daemon (after a reboot, say) starts them again.
    void stop_all(std::function<void()> done);

    // Runtime state: what runs (pid + start time per port) and which groups a person stopped.
    nlohmann::json runtime_state() const;
    // Before the first apply: processes of a previous daemon to adopt instead of starting.
    void set_adoptable(const nlohmann::json& runtime_state);
    // After the first apply: ends processes recorded by a previous daemon that no group wants.
    void end_unwanted_leftovers();

private:
    void mark_changed(const std::string& group);
    void flush_changes();

    asio::io_context& m_io;
    LogFiles m_logs;
    WorkerContext m_context;
    std::map<std::string, std::unique_ptr<WorkerGroup>> m_groups;
    std::vector<std::unique_ptr<WorkerGroup>> m_removing;
    WorkerGroup::Drain m_drain;
    GroupChanged m_on_group_changed;
    std::function<void()> m_on_runtime_changed;
    std::set<std::string> m_dirty;
    bool m_flush_posted = false;
    std::map<std::string, std::map<int, AdoptRecord>> m_adoptable;
    std::set<std::string> m_stopped_groups;  // restored from the runtime state
};

}  // namespace fulcrum::agent
