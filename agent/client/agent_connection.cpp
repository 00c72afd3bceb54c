#include "agent/client/agent_connection.h"

#include "agent/util/files.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fulcrum::agent {

std::optional<AgentConnection> AgentConnection::connect(const std::filesystem::path& socket, std::string& error) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket.native().size() >= sizeof address.sun_path) {
        error = "socket path too long: " + socket.string();
        return std::nullopt;
    }
    std::strncpy(address.sun_path, socket.c_str(), sizeof address.sun_path - 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        error = "socket: " + errno_text(errno);
        return std::nullopt;
    }
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        error = "cannot connect to " + socket.string() + ": " + errno_text(errno);
        return std::nullopt;
    }
    return AgentConnection(std::move(fd));
}

bool AgentConnection::send_line(std::string_view line) {
    while (!line.empty()) {
        const ssize_t n = ::send(m_fd.get(), line.data(), line.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            m_last_error = "send failed: " + errno_text(errno);
            return false;
        }
        line.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::optional<std::string> AgentConnection::read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (auto line = m_decoder.next()) {
            if (auto* text = std::get_if<std::string>(&*line)) return std::move(*text);
            continue;  // the daemon never sends over-long lines; skip if it ever did
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            m_last_error = "timed out waiting for the agent";
            return std::nullopt;
        }
        pollfd p{m_fd.get(), POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        char buffer[65536];
        const ssize_t n = ::read(m_fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            m_last_error = n == 0 ? "the agent closed the connection" : "read failed: " + errno_text(errno);
            return std::nullopt;
        }
        m_decoder.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
}

std::optional<protocol::Response> AgentConnection::call_raw(const std::string& method, const nlohmann::json& params,
                                                            std::chrono::milliseconds timeout) {
    const std::int64_t id = m_next_id++;
    if (!send_line(protocol::encode(protocol::Request{id, method, params}))) return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        auto line = read_line(std::max(left, std::chrono::milliseconds(0)));
        if (!line) return std::nullopt;
        auto message = protocol::decode_message(*line);
        if (auto* notification = std::get_if<protocol::Notification>(&message)) {
            m_notifications.push_back(std::move(*notification));
        } else if (auto* response = std::get_if<protocol::Response>(&message)) {
            if (response->id == id) return std::move(*response);
        }
    }
}

std::optional<protocol::Notification> AgentConnection::wait_notification(const std::string& method,
                                                                          std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        for (auto it = m_notifications.begin(); it != m_notifications.end(); ++it) {
            if (it->method == method) {
                auto found = std::move(*it);
                m_notifications.erase(it);
                return found;
            }
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto line = read_line(left);
        if (!line) return std::nullopt;
        auto message = protocol::decode_message(*line);
        if (auto* notification = std::get_if<protocol::Notification>(&message))
            m_notifications.push_back(std::move(*notification));
    }
}

}  // namespace fulcrum::agent
