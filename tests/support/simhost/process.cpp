#include "tests/support/simhost/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fulcrum::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
    int read_end = -1;
    int write_end = -1;
    Pipe() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) {
            throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
        }
        read_end = fds[0];
        write_end = fds[1];
    }
    ~Pipe() {
        close_read();
        close_write();
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void close_read() {
        if (read_end >= 0) ::close(read_end);
        read_end = -1;
    }
    void close_write() {
        if (write_end >= 0) ::close(write_end);
        write_end = -1;
    }
};

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Reads what is available; returns false on EOF.
bool drain(int fd, std::string& into) {
    std::array<char, 8192> buffer{};
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n > 0) {
            into.append(buffer.data(), static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) return false;
        return errno == EAGAIN || errno == EINTR;
    }
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::string& input) {
    if (argv.empty()) throw std::invalid_argument("run_command: empty argv");
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    Pipe in, out, err;
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        // Own process group so that a timeout can kill everything the command started.
        setpgid(0, 0);
        dup2(in.read_end, STDIN_FILENO);
        dup2(out.write_end, STDOUT_FILENO);
        dup2(err.write_end, STDERR_FILENO);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    in.close_read();
    out.close_write();
    err.close_write();
    set_nonblocking(in.write_end);
    set_nonblocking(out.read_end);
    set_nonblocking(err.read_end);

    CommandResult result;
    std::size_t written = 0;
    if (input.empty()) in.close_write();
    const auto deadline = Clock::now() + timeout;
    bool out_open = true, err_open = true, exited = false;
    int status = 0;
    while (!exited) {
        const pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            exited = true;
            break;
        }
        if (Clock::now() >= deadline) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            result.timed_out = true;
            break;
        }
        std::array<pollfd, 3> fds{};
        nfds_t n = 0;
        if (out_open) fds[n++] = {out.read_end, POLLIN, 0};
        if (err_open) fds[n++] = {err.read_end, POLLIN, 0};
        if (in.write_end >= 0) fds[n++] = {in.write_end, POLLOUT, 0};
        // Short timeout: the exit of the command is noticed by polling waitpid.
        poll(fds.data(), n, 20);
        if (out_open) out_open = drain(out.read_end, result.out);
        if (err_open) err_open = drain(err.read_end, result.err);
        if (in.write_end >= 0) {
            const ssize_t k = ::write(in.write_end, input.data() + written, input.size() - written);
            if (k > 0) written += static_cast<std::size_t>(k);
            if ((k < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
                in.close_write();
            }
        }
    }
    if (out_open) drain(out.read_end, result.out);
    if (err_open) drain(err.read_end, result.err);
    if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
}

std::string run_or_throw(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::string& input) {
    const CommandResult r = run_command(argv, timeout, input);
    if (!r.ok()) {
        std::string cmd;
        for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
        throw std::runtime_error("`" + cmd + "` " +
                                 (r.timed_out ? std::string("timed out")
                                              : "exited with " + std::to_string(r.exit_code)) +
                                 ": " + r.err);
    }
    return r.out;
}

std::string shell_quote(const std::string& word) {
    std::string quoted = "'";
    for (char c : word) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    return quoted + "'";
}

}  // namespace fulcrum::testing
