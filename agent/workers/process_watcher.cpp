#include "agent/workers/process_watcher.h"

#include "agent/daemon/clock.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cstring>

namespace fulcrum::agent {

protocol::ExitInfo describe_wait_status(int status) {
    protocol::ExitInfo info;
    info.at_ms = now_ms();
    if (WIFEXITED(status)) {
        info.exit_code = WEXITSTATUS(status);
        info.reason = "exited with status " + std::to_string(*info.exit_code);
        if (*info.exit_code == 127) info.reason += " (command not found?)";
    } else if (WIFSIGNALED(status)) {
        info.signal = WTERMSIG(status);
        const char* name = sigabbrev_np(*info.signal);
        info.reason = std::string("killed by ") + (name ? std::string("SIG") + name : "signal " + std::to_string(*info.signal));
        if (WCOREDUMP(status)) info.reason += " (core dumped)";
    } else {
        info.reason = "ended";
    }
    return info;
}

ProcessWatcher::ProcessWatcher(asio::io_context& io) : m_io(io), m_sigchld(io) {}

ProcessWatcher::~ProcessWatcher() = default;

void ProcessWatcher::start() {
    m_sigchld.add(SIGCHLD);
    wait_for_sigchld();
    reap();  // anything that ended before the handler existed
}

void ProcessWatcher::wait_for_sigchld() {
    m_sigchld.async_wait([this](const asio::error_code& error, int) {
        if (error) return;
        reap();
        wait_for_sigchld();
    });
}

void ProcessWatcher::reap() {
    while (true) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) break;
        auto it = m_children.find(pid);
        if (it == m_children.end()) continue;  // an orphan reparented to us, or a failed spawn
        auto on_exit = std::move(it->second);
        m_children.erase(it);
        if (on_exit) on_exit(describe_wait_status(status));
    }
}

void ProcessWatcher::watch_child(pid_t pid, OnExit on_exit) { m_children[pid] = std::move(on_exit); }

bool ProcessWatcher::watch_adopted(pid_t pid, OnExit on_exit) {
    // Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrapper cannot
    // be linked from C++.
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return false;
    auto descriptor = std::make_unique<asio::posix::stream_descriptor>(m_io, fd);
    auto* raw = descriptor.get();
    m_adopted[pid] = Adopted{std::move(descriptor), std::move(on_exit)};
    raw->async_wait(asio::posix::stream_descriptor::wait_read, [this, pid, raw](const asio::error_code& error) {
        if (error) return;
        auto it = m_adopted.find(pid);
        if (it == m_adopted.end() || it->second.pidfd.get() != raw) return;
        auto notify = std::move(it->second.on_exit);
        // Destroying the descriptor from inside its own handler is safe once the handler runs.
        asio::post(m_io, [descriptor = std::move(it->second.pidfd)] {});
        m_adopted.erase(it);
        protocol::ExitInfo info;
        info.at_ms = now_ms();
        info.reason = "ended (adopted from a previous agent, so its exit status is unknown)";
        if (notify) notify(info);
    });
    return true;
}

void ProcessWatcher::forget(pid_t pid) {
    m_children.erase(pid);
    if (auto it = m_adopted.find(pid); it != m_adopted.end()) {
        asio::error_code ignored;
        it->second.pidfd->cancel(ignored);
        asio::post(m_io, [descriptor = std::move(it->second.pidfd)] {});
        m_adopted.erase(it);
    }
}

}  // namespace fulcrum::agent
