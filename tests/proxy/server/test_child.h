#pragma once
// A child process with its stdout on a pipe, for tests that run the real `fulcrum-agent`
// binary, and small socket helpers that go with it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "test_http.h"

extern char** environ;

namespace fulcrum::proxy::testing {

inline std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

// A child process with its stdout on a pipe.
struct Child {
    pid_t pid = -1;
    int out = -1;
    std::string buffer;

    // `merge_stderr`: the child's stderr goes to the same pipe (for tests of its messages).
    Child(const std::vector<std::string>& argv, const std::string& cwd = {}, bool merge_stderr = false) {
        int pipe_fds[2];
        EXPECT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
        if (merge_stderr) posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
        if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        EXPECT_EQ(::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ), 0);
        posix_spawn_file_actions_destroy(&actions);
        ::close(pipe_fds[1]);
        out = pipe_fds[0];
    }
    ~Child() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (out >= 0) ::close(out);
    }
    // Waits for a stdout line containing `needle`; returns it.
    std::string wait_line(const std::string& needle, int timeout_ms = 10000) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < end) {
            if (const auto at = buffer.find(needle); at != std::string::npos) {
                const auto eol = buffer.find('\n', at);
                if (eol != std::string::npos) {
                    const auto start = buffer.rfind('\n', at);
                    const auto line = buffer.substr(start == std::string::npos ? 0 : start + 1, eol - (start == std::string::npos ? 0 : start + 1));
                    buffer.erase(0, eol + 1);
                    return line;
                }
            }
            pollfd p{out, POLLIN, 0};
            if (::poll(&p, 1, 100) > 0) {
                char data[4096];
                const auto n = ::read(out, data, sizeof data);
                if (n <= 0) break;
                buffer.append(data, static_cast<std::size_t>(n));
            }
        }
        return {};
    }
    // Everything the child writes until it closes its end (or the timeout); kept in `buffer`.
    const std::string& drain(int timeout_ms = 3000) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < end) {
            pollfd p{out, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char data[4096];
            const auto n = ::read(out, data, sizeof data);
            if (n <= 0) break;
            buffer.append(data, static_cast<std::size_t>(n));
        }
        return buffer;
    }
    int wait_exit(int timeout_ms) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < end) {
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return -1;
    }
};

inline std::uint16_t port_of(const std::string& line) {
    const auto colon = line.rfind(':');
    return colon == std::string::npos ? 0 : static_cast<std::uint16_t>(std::atoi(line.c_str() + colon + 1));
}

// Whether the process has a handler for `signal` now (/proc/PID/status SigCgt), so the
// signal would reach it rather than its default action.
inline bool catches_signal(pid_t pid, int signal) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("SigCgt:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> (signal - 1)) & 1;
    }
    return false;
}

inline bool wait_connectable(std::uint16_t port, int timeout_ms = 10000) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
        if (TestClient(port).connected()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

}  // namespace fulcrum::proxy::testing
