#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

namespace fulcrum::proxy::admin::testing {

// A blocking client for the admin socket, as the agent would use it.
class AdminClient {
public:
    explicit AdminClient(const std::string& path) {
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        path.copy(address.sun_path, sizeof(address.sun_path) - 1);
        if (::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
        timeval timeout{10, 0};
        if (m_fd >= 0) ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    }
    ~AdminClient() {
        if (m_fd >= 0) ::close(m_fd);
    }
    AdminClient(const AdminClient&) = delete;
    AdminClient& operator=(const AdminClient&) = delete;

    bool connected() const { return m_fd >= 0; }

    bool send_raw(const std::string& bytes) {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            const auto n = ::send(m_fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    // Sends one line and returns the answer line ("" on EOF or timeout).
    std::string call(const std::string& line) {
        if (!send_raw(line + "\n")) return {};
        return read_line();
    }

    std::string read_line() {
        while (true) {
            if (const auto newline = m_pending.find('\n'); newline != std::string::npos) {
                std::string line = m_pending.substr(0, newline);
                m_pending.erase(0, newline + 1);
                return line;
            }
            char buffer[65536];
            const auto n = ::recv(m_fd, buffer, sizeof(buffer), 0);
            if (n <= 0) return {};
            m_pending.append(buffer, static_cast<std::size_t>(n));
        }
    }

private:
    int m_fd = -1;
    std::string m_pending;
};

}  // namespace fulcrum::proxy::admin::testing
