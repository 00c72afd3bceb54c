#include "agent/workers/spawn.h"

#include "agent/util/files.h"
#include "agent/util/unique_fd.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace fulcrum::agent {

namespace {

// Only async-signal-safe calls between fork and exec: report errno and the step that failed.
[[noreturn]] void child_fail(int report_fd, const char* step) {
    const int error = errno;
    char message[256];
    const char* reason = std::strerror(error);
    std::size_t length = 0;
    for (const char* p = step; *p && length < sizeof message - 1; ++p) message[length++] = *p;
    for (const char* p = ": "; *p && length < sizeof message - 1; ++p) message[length++] = *p;
    for (const char* p = reason; *p && length < sizeof message - 1; ++p) message[length++] = *p;
    if (::write(report_fd, message, length) < 0) {
        // Nothing more can be done; the parent sees the exit.
    }
    ::_exit(127);
}

}  // namespace

SpawnResult spawn_process(const SpawnRequest& request) {
    SpawnResult result;
    if (request.argv.empty() || request.argv[0].empty()) {
        result.error = "empty command";
        return result;
    }
    // Everything the child needs is prepared before fork: it must not allocate afterwards.
    std::vector<char*> argv;
    for (const auto& arg : request.argv) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::map<std::string, std::string> merged;
    for (char** e = environ; e && *e; ++e) {
        const std::string entry = *e;
        const auto eq = entry.find('=');
        if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [key, value] : request.env) merged[key] = value;
    std::vector<std::string> env_strings;
    for (const auto& [key, value] : merged) env_strings.push_back(key + "=" + value);
    std::vector<char*> envp;
    for (auto& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);
    // execvpe searches PATH of the *child's* environment; resolve it from the merged PATH.
    const std::string exec_step = "cannot execute " + request.argv[0];
    const std::string cwd_step = "cannot change to directory " + request.cwd;
    const std::string log_step = "cannot open log file " + request.log_file.string();
    const std::string error_log_step = "cannot open log file " + request.error_log_file.string();

    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        result.error = "pipe: " + errno_text(errno);
        return result;
    }
    UniqueFd report_read(report[0]), report_write(report[1]);
    const pid_t pid = ::fork();
    if (pid < 0) {
        result.error = "fork: " + errno_text(errno);
        return result;
    }
    if (pid == 0) {
        ::setsid();
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        // The agent ignores SIGPIPE; ignored dispositions survive exec, so restore the default.
        for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGCHLD, SIGHUP}) ::signal(s, SIG_DFL);
        const int null = ::open("/dev/null", O_RDWR);
        if (null < 0) child_fail(report_write.get(), "cannot open /dev/null");
        ::dup2(null, 0);
        int out = null;
        if (!request.log_file.empty()) {
            out = ::open(request.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (out < 0) child_fail(report_write.get(), log_step.c_str());
        }
        int err = out;
        if (!request.error_log_file.empty()) {
            err = ::open(request.error_log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (err < 0) child_fail(report_write.get(), error_log_step.c_str());
        }
        ::dup2(out, 1);
        ::dup2(err, 2);
        if (!request.cwd.empty() && ::chdir(request.cwd.c_str()) != 0) child_fail(report_write.get(), cwd_step.c_str());
        // Close everything else (the agent's sockets, the lock) except the report pipe,
        // which closes itself on exec.
        ::close_range(3, static_cast<unsigned>(report_write.get()) - 1, 0);
        ::close_range(static_cast<unsigned>(report_write.get()) + 1, ~0U, 0);
        environ = envp.data();
        ::execvp(argv[0], argv.data());
        child_fail(report_write.get(), exec_step.c_str());
    }
    report_write.reset();
    std::string failure;
    char buffer[512];
    while (true) {
        const ssize_t n = ::read(report_read.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        failure.append(buffer, static_cast<std::size_t>(n));
    }
    if (!failure.empty()) {
        // The child exits at once; the reaper collects it.
        result.error = failure;
        return result;
    }
    result.pid = pid;
    return result;
}

bool signal_group(pid_t pgid, int signal) {
    if (pgid <= 1) return false;
    return ::kill(-pgid, signal) == 0;
}

}  // namespace fulcrum::agent
