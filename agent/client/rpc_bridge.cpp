#include "agent/client/rpc_bridge.h"

#include "agent/client/agent_connection.h"
#include "agent/util/files.h"
#include "agent/util/run_command.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <thread>

namespace fulcrum::agent {
namespace {

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

std::string connect_or_start_daemon(const BridgeOptions& options, int& socket_fd) {
    std::string error;
    if (auto connection = AgentConnection::connect(options.paths.socket(), error)) {
        socket_fd = ::dup(connection->fd());
        return {};
    }
    // `daemon --detach` returns once the socket listens, or with the reason it could not start.
    std::vector<std::string> argv{options.self_exe, "daemon", "--detach", "--started-by", "rpc"};
    argv.insert(argv.end(), options.daemon_args.begin(), options.daemon_args.end());
    const auto started = run_command(argv, options.start_timeout);
    // Another bridge may have started it at the same moment; the lock lets one win, and both
    // bridges then connect to the winner.
    const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto connection = AgentConnection::connect(options.paths.socket(), error)) {
            socket_fd = ::dup(connection->fd());
            return {};
        }
        if (!started.ok() && started.output.find("already running") == std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::string output = started.output;
    while (!output.empty() && output.back() == '\n') output.pop_back();
    return "could not start the fulcrum-agent daemon: " + (output.empty() ? error : output);
}

int run_rpc_bridge(const BridgeOptions& options) {
    int raw_socket = -1;
    if (auto error = connect_or_start_daemon(options, raw_socket); !error.empty()) {
        std::fprintf(stderr, "fulcrum-agent rpc: %s\n", error.c_str());
        return 1;
    }
    UniqueFd socket(raw_socket);
    bool stdin_open = true;
    char buffer[65536];
    while (true) {
        pollfd fds[2] = {{socket.get(), POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return 1;
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::read(socket.get(), buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return 0;  // the daemon closed: nothing more to relay
            if (!write_all(1, buffer, static_cast<std::size_t>(n))) return 0;
        }
        if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            const ssize_t n = ::read(0, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                // The panel is done sending; keep relaying until the daemon has answered.
                stdin_open = false;
                ::shutdown(socket.get(), SHUT_WR);
                continue;
            }
            if (!write_all(socket.get(), buffer, static_cast<std::size_t>(n))) return 1;
        }
    }
}

}  // namespace fulcrum::agent
