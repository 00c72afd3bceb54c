#include "agent/daemon/workers_service.h"

#include "agent/daemon/session.h"

namespace fulcrum::agent {

namespace method = protocol::method;
using protocol::Error;
using protocol::ErrorCode;

WorkersService::WorkersService(asio::io_context& io, Supervisor& supervisor, LogFollower& follower,
                               ConfigService& config, Dispatcher& dispatcher,
                               std::function<std::int64_t()> next_subscription_id)
    : m_io(io),
      m_supervisor(supervisor),
      m_follower(follower),
      m_config(config),
      m_dispatcher(dispatcher),
      m_next_subscription_id(std::move(next_subscription_id)) {}

protocol::Outcome<WorkerGroup*> WorkersService::find(const protocol::WorkersTarget& target) {
    WorkerGroup* group = m_supervisor.group(target.group);
    if (!group) return Error::make(ErrorCode::NotFound, "no worker group named \"" + target.group + "\"");
    if (target.index && !group->has_index(*target.index))
        return Error::make(ErrorCode::NotFound, "worker group \"" + target.group + "\" has no instance " +
                                                    std::to_string(*target.index));
    return group;
}

protocol::Outcome<std::vector<LogFile>> WorkersService::files_of(const protocol::LogSource& source, bool rotated) {
    std::vector<int> indexes;
    if (source.group != "proxy") {
        WorkerGroup* group = m_supervisor.group(source.group);
        if (!group) return Error::make(ErrorCode::NotFound, "no worker group named \"" + source.group + "\"");
        if (source.index && !group->has_index(*source.index))
            return Error::make(ErrorCode::NotFound, "worker group \"" + source.group + "\" has no instance " +
                                                        std::to_string(*source.index));
        indexes = group->log_indexes();
    }
    const auto& logs = m_supervisor.logs();
    return rotated ? logs.files_of(source.group, source.index, indexes)
                   : logs.live_files_of(source.group, source.index, indexes);
}

void WorkersService::register_methods() {
    m_dispatcher.on<method::WorkersList>(
        [this](Session&, const protocol::WorkersListParams& params) -> protocol::Outcome<protocol::WorkersListResult> {
            if (params.group && !m_supervisor.group(*params.group))
                return Error::make(ErrorCode::NotFound, "no worker group named \"" + *params.group + "\"");
            return m_supervisor.list(params.group);
        });
    m_dispatcher.on<method::WorkersStart>(
        [this](Session&, const protocol::WorkersTarget& target) -> protocol::Outcome<protocol::WorkerGroupStatus> {
            auto group = find(target);
            if (!group) return group.error();
            group.value()->start(target.index);
            return group.value()->status();
        });
    m_dispatcher.on<method::WorkersRestart>(
        [this](Session&, const protocol::WorkersTarget& target) -> protocol::Outcome<protocol::WorkerGroupStatus> {
            auto group = find(target);
            if (!group) return group.error();
            group.value()->restart(target.index);
            return group.value()->status();
        });
    // Answers once the processes are gone (at most the group's stop_grace_ms).
    m_dispatcher.on_async<method::WorkersStop>(
        [this](const std::shared_ptr<Session>&, const protocol::WorkersTarget& target,
               Dispatcher::Reply<method::WorkersStop> reply) {
            auto group = find(target);
            if (!group) return reply(group.error());
            const std::string name = target.group;
            group.value()->stop(target.index, [this, name, reply] {
                if (WorkerGroup* g = m_supervisor.group(name)) return reply(g->status());
                reply(Error::make(ErrorCode::NotFound, "worker group \"" + name + "\" was removed meanwhile"));
            });
        });
    m_dispatcher.on_async<method::WorkersScale>(
        [this](const std::shared_ptr<Session>&, const protocol::WorkersScaleParams& params,
               Dispatcher::Reply<method::WorkersScale> reply) {
            if (params.count < 0 || params.count > kMaxGroupInstances)
                return reply(Error::make(ErrorCode::InvalidParams,
                                         "count must be between 0 and " + std::to_string(kMaxGroupInstances),
                                         {{"field", "count"}}));
            nlohmann::json document = m_config.store().current().document;
            auto workers = document.find("workers");
            nlohmann::json* entry = nullptr;
            if (workers != document.end() && workers->is_array()) {
                for (auto& group : *workers) {
                    if (group.is_object() && group.value("name", "") == params.group) entry = &group;
                }
            }
            if (!entry) return reply(Error::make(ErrorCode::NotFound, "no worker group named \"" + params.group + "\""));
            if (entry->contains("ports"))
                return reply(Error::make(ErrorCode::OperationFailed,
                                         "group \"" + params.group +
                                             "\" lists its ports explicitly; edit its \"ports\" in the config to scale it"));
            (*entry)["count"] = params.count;
            const std::string name = params.group;
            auto applied = m_config.apply_document(
                document, "scale " + name + " to " + std::to_string(params.count),
                [this, name, reply](const protocol::ConfigApplyResult&) {
                    if (WorkerGroup* g = m_supervisor.group(name)) return reply(g->status());
                    reply(Error::make(ErrorCode::NotFound, "worker group \"" + name + "\" was removed meanwhile"));
                });
            if (!applied) reply(applied.error());
        });
    m_dispatcher.on<method::LogsTail>(
        [this](Session&, const protocol::LogsTailParams& params) -> protocol::Outcome<protocol::LogsTailResult> {
            if (params.lines < 0 || params.lines > protocol::kMaxTailLines)
                return Error::make(ErrorCode::InvalidParams,
                                   "lines must be between 0 and " + std::to_string(protocol::kMaxTailLines),
                                   {{"field", "lines"}});
            auto files = files_of(params.source, true);
            if (!files) return files.error();
            return LogFiles::tail(files.value(), params.source.group, params.lines);
        });
    m_dispatcher.on<method::LogsFollow>(
        [this](Session& session, const protocol::LogsFollowParams& params) -> protocol::Outcome<protocol::Subscription> {
            if (params.tail < 0 || params.tail > protocol::kMaxTailLines)
                return Error::make(ErrorCode::InvalidParams,
                                   "tail must be between 0 and " + std::to_string(protocol::kMaxTailLines),
                                   {{"field", "tail"}});
            auto files = files_of(params.source, false);
            if (!files) return files.error();
            const std::int64_t id = m_next_subscription_id();
            std::weak_ptr<Session> weak = session.weak_from_this();
            auto emit = [weak, id](const protocol::LogLine& line) {
                if (auto target = weak.lock())
                    target->send(protocol::make_notification<protocol::notification::LogsLineN>({id, line}));
            };
            // History right after the answer (so the client knows the id), then live lines; the
            // follower starts at the current end, so nothing is sent twice.
            if (params.tail > 0) {
                auto history = files_of(params.source, true);
                if (!history) return history.error();
                auto lines = LogFiles::tail(history.value(), params.source.group, params.tail).lines;
                asio::post(m_io, [emit, lines = std::move(lines)] {
                    for (const auto& line : lines) emit(line);
                });
            }
            // A whole group is followed by its file names, so instances added later join in.
            const bool whole_group = !params.source.index && params.source.group != "proxy";
            m_follower.follow(id, params.source.group, files.value(), whole_group, emit);
            session.add_subscription(id, [this, id] { m_follower.cancel(id); });
            return protocol::Subscription{id};
        });
}

}  // namespace fulcrum::agent
