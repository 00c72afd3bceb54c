#pragma once
// Starts the real fulcrum-agent binary for integration tests. When the tests run as root (CI),
// the daemon runs as the unprivileged user fulcrum-test, as it would on a server.

#include "agent/client/agent_connection.h"
#include "agent/util/files.h"
#include "tests/support/sanitized.h"

#include <gtest/gtest.h>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::agent::test_support {

using fulcrum::test_support::kTimeScale;

// Path of the fulcrum-agent binary under test.
std::string agent_binary();

// "setpriv --reuid=fulcrum-test ..." when running as root, else nothing.
std::vector<std::string> run_as_test_user_prefix();
bool running_as_root();

// A temporary directory owned by the user the daemon runs as; removed on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    // Makes a file or directory below it owned by the test user, too.
    void give_to_test_user(const std::filesystem::path& p) const;

private:
    std::filesystem::path m_path;
};

// A spawned process (the daemon, the rpc bridge). Killed with its process group on destruction.
class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess();
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;

    // Starts argv; with pipes, stdin/stdout are connected to stdin_fd()/stdout_fd().
    static ChildProcess spawn(const std::vector<std::string>& argv, bool pipes = false,
                              const std::filesystem::path& output_file = {});
    pid_t pid() const { return m_pid; }
    int stdin_fd() const { return m_stdin; }
    int stdout_fd() const { return m_stdout; }
    void close_stdin();

    // Waits for exit; the exit status (as from waitpid) or nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    void signal(int signal) const;
    // SIGTERM, then SIGKILL after `grace`. False if it had already been reaped.
    bool terminate(std::chrono::milliseconds grace = std::chrono::seconds(10));

private:
    pid_t m_pid = -1;
    int m_stdin = -1;
    int m_stdout = -1;
    bool m_reaped = true;
};

// SIGKILLs the process group of every worker and proxy that the daemon of `state_dir` recorded
// in children.json and that still runs (pid and start time match). Workers have sessions of
// their own, so killing the daemon's group does not reach them; a test that stops a daemon any
// way but an orderly SIGTERM must not leave them behind.
void end_recorded_children(const std::filesystem::path& state_dir);

// Calls end_recorded_children when it goes out of scope: for tests that kill a daemon with
// SIGKILL on purpose (its children must outlive it until the next one adopts them).
class RecordedChildrenGuard {
public:
    explicit RecordedChildrenGuard(std::filesystem::path state_dir) : m_state_dir(std::move(state_dir)) {}
    ~RecordedChildrenGuard() { end_recorded_children(m_state_dir); }
    RecordedChildrenGuard(const RecordedChildrenGuard&) = delete;
    RecordedChildrenGuard& operator=(const RecordedChildrenGuard&) = delete;

private:
    std::filesystem::path m_state_dir;
};

// The daemon under test with its own state directory. Its destructor stops it with SIGTERM
// (SIGKILL after 10 s) and then ends whatever it recorded that still runs, unless the test
// itself already ended the daemon (an adoption test's first daemon).
class TestDaemon {
public:
    explicit TestDaemon(const std::filesystem::path& state_dir, std::vector<std::string> extra_args = {});
    ~TestDaemon();

    // Starts `fulcrum-agent daemon` and waits until its socket accepts connections.
    ::testing::AssertionResult start(std::chrono::milliseconds timeout = std::chrono::seconds(10) * kTimeScale);
    // Connects and completes agent.hello.
    AgentConnection connect() const;
    ChildProcess& process() { return m_process; }
    const std::filesystem::path& state_dir() const { return m_state_dir; }
    std::filesystem::path socket() const { return m_state_dir / "agent.sock"; }
    std::vector<std::string> command(const std::string& subcommand) const;
    std::string log_text() const;

private:
    std::filesystem::path m_state_dir;
    std::vector<std::string> m_extra_args;
    ChildProcess m_process;
};

// Reads everything from fd until EOF or timeout.
std::string read_all(int fd, std::chrono::milliseconds timeout);

// Polls `condition` every 20 ms until it is true or the timeout passes.
template <class F>
bool eventually(F condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        ::usleep(20000);
    }
    return condition();
}

}  // namespace fulcrum::agent::test_support
