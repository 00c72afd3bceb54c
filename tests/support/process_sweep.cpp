#include "tests/support/process_sweep.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

namespace fulcrum::testing {
namespace {

namespace fs = std::filesystem;

bool path_is_under(const std::string& path, const std::string& dir) {
    return !dir.empty() &&
           (path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/'));
}

bool under_any(const std::string& path, const std::vector<std::string>& dirs) {
    for (const auto& dir : dirs) {
        if (path_is_under(path, dir)) return true;
    }
    return false;
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct ProcInfo {
    pid_t ppid = 0;
    bool zombie = false;
    bool matches = false;
    std::string command;
};

// One pass over /proc. A process may exit while it is read: whatever cannot be read is left out.
std::map<pid_t, ProcInfo> scan(const std::vector<std::string>& dirs) {
    std::map<pid_t, ProcInfo> procs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string stat = read_all(entry.path() / "stat");
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
        const auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 1));
        std::string state;
        ProcInfo info;
        rest >> state >> info.ppid;
        info.zombie = state == "Z" || state == "X";
        std::error_code link_ec;
        const auto exe = fs::read_symlink(entry.path() / "exe", link_ec);
        info.matches = !link_ec && under_any(exe.string(), dirs);
        const std::string environ = read_all(entry.path() / "environ");
        for (std::size_t at = 0; !info.matches && at < environ.size();) {
            const std::size_t end = std::min(environ.find('\0', at), environ.size());
            const std::string_view var(environ.data() + at, end - at);
            for (const std::string_view key : {std::string_view("HOME="), std::string_view("XDG_STATE_HOME=")}) {
                if (var.substr(0, key.size()) == key && under_any(std::string(var.substr(key.size())), dirs)) info.matches = true;
            }
            at = end + 1;
        }
        std::string cmdline = read_all(entry.path() / "cmdline");
        while (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
        for (char& c : cmdline) {
            if (c == '\0') c = ' ';
        }
        info.command = cmdline.empty() ? "[" + stat.substr(stat.find('(') + 1, close - stat.find('(') - 1) + "]" : cmdline;
        procs.emplace(pid_t(std::stoi(name)), std::move(info));
    }
    return procs;
}

}  // namespace

std::vector<StrayProcess> processes_under(const std::vector<std::string>& dirs) {
    const auto procs = scan(dirs);
    const pid_t self = ::getpid();
    // A process counts when it or one of its ancestors matches (the test itself never does:
    // everything it started directly would count otherwise).
    std::map<pid_t, bool> counts;
    const auto decide = [&](pid_t pid) {
        std::vector<pid_t> chain;
        bool result = false;
        for (int depth = 0; depth < 64 && pid > 1; ++depth) {
            if (const auto known = counts.find(pid); known != counts.end()) {
                result = known->second;
                break;
            }
            const auto it = procs.find(pid);
            if (it == procs.end() || pid == self) break;
            chain.push_back(pid);
            if (it->second.matches) {
                result = true;
                break;
            }
            pid = it->second.ppid;
        }
        for (pid_t p : chain) counts[p] = result;
        return result;
    };
    std::vector<StrayProcess> out;
    for (const auto& [pid, info] : procs) {
        if (pid == self || info.zombie) continue;
        if (decide(pid)) out.push_back({pid, info.command});
    }
    return out;
}

std::vector<StrayProcess> kill_processes_under(const std::vector<std::string>& dirs) {
    std::vector<StrayProcess> left = processes_under(dirs);
    for (int round = 0; round < 20 && !left.empty(); ++round) {
        for (const auto& p : left) ::kill(p.pid, SIGKILL);
        ::usleep(50 * 1000);
        left = processes_under(dirs);
    }
    return left;
}

std::string describe(const std::vector<StrayProcess>& processes) {
    std::string text;
    for (const auto& p : processes) text += std::to_string(p.pid) + " " + p.command.substr(0, 200) + "\n";
    return text;
}

SweepAfterExit::SweepAfterExit(const std::string& sweeper_binary, const std::vector<std::string>& dirs) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return;
    std::vector<std::string> arg_strings{sweeper_binary};
    arg_strings.insert(arg_strings.end(), dirs.begin(), dirs.end());
    std::vector<char*> argv;
    for (auto& a : arg_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Its own environment names no test directory, so it never counts as a stray itself.
    std::string path = "PATH=/usr/bin:/bin";
    char* envp[] = {path.data(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, sweeper_binary.c_str(), &actions, nullptr, argv.data(), envp);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[0]);
    if (rc != 0) {
        ::close(pipe_fds[1]);
        return;
    }
    m_pid = pid;
    m_lifeline = pipe_fds[1];
}

SweepAfterExit::~SweepAfterExit() {
    if (m_lifeline >= 0) ::close(m_lifeline);
    if (m_pid <= 0) return;
    // It sweeps and exits at once; wait a few seconds at most.
    for (int i = 0; i < 100; ++i) {
        int status = 0;
        const pid_t done = ::waitpid(m_pid, &status, WNOHANG);
        if (done == m_pid || (done < 0 && errno != EINTR)) return;
        ::usleep(50 * 1000);
    }
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
}

}  // namespace fulcrum::testing
