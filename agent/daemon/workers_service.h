#pragma once
// workers.* and logs.* on top of the Supervisor and the log files. workers.scale is a config
// change (the count is part of the desired state), so it goes through the ConfigService and
// survives restarts like any other edit.

#include "agent/daemon/config_service.h"
#include "agent/daemon/dispatcher.h"
#include "agent/logs/log_follower.h"
#include "agent/workers/supervisor.h"

namespace fulcrum::agent {

class WorkersService {
public:
    WorkersService(asio::io_context& io, Supervisor& supervisor, LogFollower& follower, ConfigService& config,
                   Dispatcher& dispatcher, std::function<std::int64_t()> next_subscription_id);

    void register_methods();

private:
    protocol::Outcome<WorkerGroup*> find(const protocol::WorkersTarget& target);
    // The files of a source; `rotated`: with each file's older generation (for logs.tail).
    protocol::Outcome<std::vector<LogFile>> files_of(const protocol::LogSource& source, bool rotated);

    asio::io_context& m_io;
    Supervisor& m_supervisor;
    LogFollower& m_follower;
    ConfigService& m_config;
    Dispatcher& m_dispatcher;
    std::function<std::int64_t()> m_next_subscription_id;
};

}  // namespace fulcrum::agent
