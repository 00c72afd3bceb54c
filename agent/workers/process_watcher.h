#pragma once
// Tells the supervisor when a process it watches ends, on the event loop:
//  * its own children: SIGCHLD → waitpid(-1) reaps everything (also orphans reparented to the
//    agent as a child subreaper), and the exit status goes to the watcher of that pid;
//  * processes adopted from a previous daemon (not our children): a pidfd becomes readable
//    when they end; their exit status cannot be known.

#include "agent/protocol/workers.h"

#include <asio.hpp>

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>

namespace fulcrum::agent {

// "exited with status 1", "killed by SIGSEGV" from a wait status.
protocol::ExitInfo describe_wait_status(int status);

class ProcessWatcher {
public:
    using OnExit = std::function<void(protocol::ExitInfo)>;

    explicit ProcessWatcher(asio::io_context& io);
    ~ProcessWatcher();

    void start();  // installs the SIGCHLD handler
    void watch_child(pid_t pid, OnExit on_exit);
    // For a process that is not our child; false if it is already gone.
    bool watch_adopted(pid_t pid, OnExit on_exit);
    void forget(pid_t pid);
    bool watching(pid_t pid) const { return m_children.contains(pid) || m_adopted.contains(pid); }

    // Reaps at once (used before SIGCHLD is delivered, e.g. in tests and at shutdown).
    void reap();

private:
    struct Adopted {
        std::unique_ptr<asio::posix::stream_descriptor> pidfd;
        OnExit on_exit;
    };
    void wait_for_sigchld();

    asio::io_context& m_io;
    asio::signal_set m_sigchld;
    std::map<pid_t, OnExit> m_children;
    std::map<pid_t, Adopted> m_adopted;
};

}  // namespace fulcrum::agent
