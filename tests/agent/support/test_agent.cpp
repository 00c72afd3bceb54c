#include "tests/agent/support/test_agent.h"

#include "agent/util/files.h"
#include "agent/util/proc.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

namespace fulcrum::agent::test_support {

std::string agent_binary() { return FULCRUM_AGENT_BINARY; }

bool running_as_root() { return ::geteuid() == 0; }

std::vector<std::string> run_as_test_user_prefix() {
    if (!running_as_root()) return {};
    return {"setpriv", "--reuid=fulcrum-test", "--regid=fulcrum-test", "--init-groups", "--"};
}

namespace {

void chown_to_test_user(const std::filesystem::path& p) {
    if (!running_as_root()) return;
    const passwd* user = ::getpwnam("fulcrum-test");
    if (!user) {
        ADD_FAILURE() << "user fulcrum-test is missing: run resources/test-users.sh";
        return;
    }
    if (::chown(p.c_str(), user->pw_uid, user->pw_gid) != 0) ADD_FAILURE() << "chown " << p;
}

}  // namespace

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fulcrum-agent-test.XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    m_path = pattern;
    chown_to_test_user(m_path);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

void TempDir::give_to_test_user(const std::filesystem::path& p) const { chown_to_test_user(p); }

ChildProcess::~ChildProcess() {
    if (m_pid > 0 && !m_reaped) terminate(std::chrono::seconds(10));
    if (m_stdin >= 0) ::close(m_stdin);
    if (m_stdout >= 0) ::close(m_stdout);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : m_pid(std::exchange(other.m_pid, -1)),
      m_stdin(std::exchange(other.m_stdin, -1)),
      m_stdout(std::exchange(other.m_stdout, -1)),
      m_reaped(std::exchange(other.m_reaped, true)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        this->~ChildProcess();
        new (this) ChildProcess(std::move(other));
    }
    return *this;
}

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv, bool pipes,
                                 const std::filesystem::path& output_file) {
    int in[2] = {-1, -1};
    int out[2] = {-1, -1};
    if (pipes && (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)) throw std::runtime_error("pipe");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork");
    if (pid == 0) {
        ::setpgid(0, 0);
        if (pipes) {
            ::dup2(in[0], 0);
            ::dup2(out[1], 1);
        } else {
            const int null = ::open("/dev/null", O_RDONLY);
            ::dup2(null, 0);
        }
        if (!output_file.empty()) {
            const int log = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (!pipes) ::dup2(log, 1);
            ::dup2(log, 2);
        }
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    ChildProcess child;
    child.m_pid = pid;
    child.m_reaped = false;
    if (pipes) {
        ::close(in[0]);
        ::close(out[1]);
        child.m_stdin = in[1];
        child.m_stdout = out[0];
    }
    return child;
}

void ChildProcess::close_stdin() {
    if (m_stdin >= 0) ::close(m_stdin);
    m_stdin = -1;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    if (m_pid <= 0) return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t done = ::waitpid(m_pid, &status, WNOHANG);
        if (done == m_pid) {
            m_reaped = true;
            return status;
        }
        if (done < 0 && errno != EINTR) {
            m_reaped = true;
            return std::nullopt;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

void ChildProcess::signal(int signal) const {
    if (m_pid > 0 && !m_reaped) ::kill(m_pid, signal);
}

bool ChildProcess::terminate(std::chrono::milliseconds grace) {
    if (m_pid <= 0 || m_reaped) return false;
    ::kill(m_pid, SIGTERM);
    if (!wait(grace)) {
        ::kill(-m_pid, SIGKILL);
        ::kill(m_pid, SIGKILL);
        wait(std::chrono::seconds(5));
    }
    return true;
}

void end_recorded_children(const std::filesystem::path& state_dir) {
    const auto text = read_small_file(state_dir / "children.json", 4 << 20);
    if (!text) return;
    const auto state = nlohmann::json::parse(*text, nullptr, false);
    if (!state.is_object()) return;
    std::vector<nlohmann::json> records;
    if (auto proxy = state.find("proxy"); proxy != state.end() && proxy->is_object()) records.push_back(*proxy);
    if (auto groups = state.find("workers"); groups != state.end() && groups->is_object()) {
        for (const auto& [name, group] : groups->items()) {
            if (!group.is_object() || !group.contains("instances") || !group["instances"].is_array()) continue;
            for (const auto& instance : group["instances"]) records.push_back(instance);
        }
    }
    for (const auto& record : records) {
        const pid_t pid = record.value("pid", 0);
        if (pid > 1 && process_matches(pid, record.value("start_ticks", std::uint64_t{0}))) {
            ::kill(-pid, SIGKILL);  // its process group: whatever it forked, too
            ::kill(pid, SIGKILL);
        }
    }
}

TestDaemon::TestDaemon(const std::filesystem::path& state_dir, std::vector<std::string> extra_args)
    : m_state_dir(state_dir), m_extra_args(std::move(extra_args)) {}

TestDaemon::~TestDaemon() {
    // Normally the SIGTERM stopped everything and this finds nothing; a daemon that had to be
    // killed (or failed to stop a worker) leaves them for this.
    if (m_process.terminate()) end_recorded_children(m_state_dir);
}

std::vector<std::string> TestDaemon::command(const std::string& subcommand) const {
    auto argv = run_as_test_user_prefix();
    argv.push_back(agent_binary());
    argv.push_back(subcommand);
    argv.push_back("--state-dir");
    argv.push_back(m_state_dir.string());
    return argv;
}

::testing::AssertionResult TestDaemon::start(std::chrono::milliseconds timeout) {
    auto argv = command("daemon");
    argv.insert(argv.end(), m_extra_args.begin(), m_extra_args.end());
    std::filesystem::create_directories(m_state_dir.parent_path());
    m_process = ChildProcess::spawn(argv, false, m_state_dir.parent_path() / "daemon-output.log");
    const bool up = eventually(
        [&] {
            std::string error;
            return AgentConnection::connect(socket(), error).has_value() || m_process.wait(std::chrono::milliseconds(0));
        },
        timeout);
    std::string error;
    if (up && AgentConnection::connect(socket(), error)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "daemon did not start: " << log_text();
}

std::string TestDaemon::log_text() const {
    return read_small_file(m_state_dir.parent_path() / "daemon-output.log", 1 << 20).value_or("(no output)");
}

AgentConnection TestDaemon::connect() const {
    std::string error;
    auto connection = AgentConnection::connect(socket(), error);
    if (!connection) throw std::runtime_error(error);
    protocol::HelloParams hello{"fulcrum-tests", "0", {}, {}};
    auto greeting = connection->call<protocol::method::AgentHello>(hello, std::chrono::seconds(10));
    if (!greeting) throw std::runtime_error("hello failed: " + greeting.error().message);
    return std::move(*connection);
}

std::string read_all(int fd, std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[65536];
    while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
}

}  // namespace fulcrum::agent::test_support
