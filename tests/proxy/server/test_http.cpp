#include "test_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <chrono>
#include <cstring>

namespace fulcrum::proxy::testing {

namespace {
std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool read_more(int fd, std::string& buffer, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char data[16384];
    const auto n = ::recv(fd, data, sizeof data, 0);
    if (n <= 0) return false;
    buffer.append(data, static_cast<std::size_t>(n));
    return true;
}

void parse_headers(const std::string& head, std::map<std::string, std::string>& out) {
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head.size()) {
        const auto end = head.find("\r\n", pos + 2);
        const auto line = head.substr(pos + 2, end == std::string::npos ? std::string::npos : end - pos - 2);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            out[lower(line.substr(0, colon))] = value;
        }
        pos = end;
    }
}

// Reads a chunked body from buffer (refilling from fd); false on failure.
bool read_chunked(int fd, std::string& buffer, std::size_t& at, std::string& body, int timeout_ms) {
    while (true) {
        std::size_t eol;
        while ((eol = buffer.find("\r\n", at)) == std::string::npos) {
            if (!read_more(fd, buffer, timeout_ms)) return false;
        }
        const auto size = std::stoul(buffer.substr(at, eol - at), nullptr, 16);
        at = eol + 2;
        while (buffer.size() < at + size + 2) {
            if (!read_more(fd, buffer, timeout_ms)) return false;
        }
        body.append(buffer, at, size);
        at += size + 2;
        if (size == 0) return true;
    }
}
}  // namespace

TestUpstream::TestUpstream(std::string name) : m_name(std::move(name)) {
    m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(m_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(m_listen_fd, 128);
    socklen_t len = sizeof addr;
    ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { accept_loop(); });
}

TestUpstream::~TestUpstream() { stop(); }

void TestUpstream::stop() {
    if (m_stopping.exchange(true)) return;
    ::shutdown(m_listen_fd, SHUT_RDWR);
    ::close(m_listen_fd);
    if (m_thread.joinable()) m_thread.join();
    {
        std::lock_guard lock(m_mutex);
        for (int fd : m_fds) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : m_workers) {
        if (t.joinable()) t.join();
    }
}

std::vector<RecordedRequest> TestUpstream::recorded() const {
    std::lock_guard lock(m_mutex);
    return m_recorded;
}

std::string TestUpstream::raw() const {
    std::lock_guard lock(m_mutex);
    return m_raw;
}

std::uint64_t TestUpstream::received_bytes() const {
    std::lock_guard lock(m_mutex);
    return m_raw.size();
}

bool TestUpstream::send_counted(int fd, const char* data, std::size_t size) {
    m_sent_bytes += size;
    return ::send(fd, data, size, MSG_NOSIGNAL) == static_cast<ssize_t>(size);
}

void TestUpstream::accept_loop() {
    while (!m_stopping) {
        const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (m_stopping) return;
            continue;
        }
        ++m_connections;
        std::lock_guard lock(m_mutex);
        m_fds.push_back(fd);
        m_workers.emplace_back([this, fd] { serve(fd); });
    }
}

void TestUpstream::serve(int fd) {
    std::string buffer;
    while (!m_stopping) {
        std::size_t head_end;
        if (buffer.empty() && m_mode.load() == Mode::stray_408_when_idle) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, m_idle_close_ms.load()) == 0) {
                const std::string stray = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                send_counted(fd, stray.data(), stray.size());
                break;
            }
        }
        while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
            std::string before = buffer;
            if (!read_more(fd, buffer, 10000)) {
                ::close(fd);
                return;
            }
            std::lock_guard lock(m_mutex);
            m_raw.append(buffer, before.size());
        }
        RecordedRequest request;
        const std::string head = buffer.substr(0, head_end + 2);
        const auto sp1 = head.find(' ');
        const auto sp2 = head.find(' ', sp1 + 1);
        request.method = head.substr(0, sp1);
        request.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
        parse_headers(head, request.headers);
        std::size_t at = head_end + 4;
        bool ok = true;
        if (request.headers.count("transfer-encoding")) {
            std::string before_size = buffer;
            ok = read_chunked(fd, buffer, at, request.body, 10000);
            std::lock_guard lock(m_mutex);
            m_raw.append(buffer, std::min(before_size.size(), buffer.size()));
        } else if (request.headers.count("content-length")) {
            const auto length = std::stoul(request.headers["content-length"]);
            while (buffer.size() < at + length) {
                const auto before = buffer.size();
                if (!read_more(fd, buffer, 10000)) {
                    ok = false;
                    break;
                }
                std::lock_guard lock(m_mutex);
                m_raw.append(buffer, before);
            }
            if (ok) request.body = buffer.substr(at, length);
            at += length;
        }
        if (!ok) break;
        buffer.erase(0, at);
        const bool health = request.headers["user-agent"] == "fulcrum-health";
        if (health) {
            ++m_health;
        } else {
            ++m_requests;
            std::lock_guard lock(m_mutex);
            m_recorded.push_back(request);
        }
        if (request.headers.count("upgrade")) {
            // A WebSocket-style upgrade: 101, then echo every byte until the peer closes.
            const std::string switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: " + request.headers["upgrade"] +
                                          "\r\nConnection: Upgrade\r\n\r\n";
            if (!send_counted(fd, switching.data(), switching.size())) break;
            if (!buffer.empty() && !send_counted(fd, buffer.data(), buffer.size())) break;
            char data[4096];
            while (!m_stopping) {
                const auto n = ::recv(fd, data, sizeof data, 0);
                if (n <= 0) break;
                {
                    std::lock_guard lock(m_mutex);
                    m_raw.append(data, static_cast<std::size_t>(n));
                }
                if (!send_counted(fd, data, static_cast<std::size_t>(n))) break;
            }
            break;
        }
        const auto mode = m_mode.load();
        if (mode == Mode::reset_before_answer && !health) {
            linger l{1, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            break;
        }
        if (m_delay_ms > 0 && !health) std::this_thread::sleep_for(std::chrono::milliseconds(m_delay_ms.load()));
        const int status = mode == Mode::fail_status ? 500 : m_status.load();
        std::string body = m_name;
        if (request.method == "POST" || request.method == "PUT") body += ":" + request.body;
        std::string response = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\nX-Upstream: " + m_name + "\r\n";
        if (request.headers.count("x-forwarded-for")) response += "X-Seen-For: " + request.headers["x-forwarded-for"] + "\r\n";
        response += "\r\n";
        if (request.method != "HEAD") response += body;
        if (!send_counted(fd, response.data(), response.size())) break;
        if (request.headers["connection"] == "close") break;
        if (mode == Mode::close_after_answer && !health) break;
    }
    ::close(fd);
}

TestClient::TestClient(std::uint16_t port) {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

TestClient::~TestClient() { close(); }

void TestClient::close() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
}

bool TestClient::send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const auto n = ::send(m_fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

bool TestClient::fill(int timeout_ms) { return read_more(m_fd, m_buffer, timeout_ms); }

HttpResponse TestClient::read_response(bool head_request, int timeout_ms) {
    HttpResponse out;
    std::size_t head_end;
    while ((head_end = m_buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!fill(timeout_ms)) return out;
    }
    const std::string head = m_buffer.substr(0, head_end + 2);
    if (head.size() < 12) return out;
    parse_headers(head, out.headers);
    std::size_t at = head_end + 4;
    const int status = std::atoi(head.c_str() + 9);
    if (head_request || status == 204 || status == 304 || (status >= 100 && status < 200)) {
        // no body
    } else if (out.headers.count("transfer-encoding")) {
        if (!read_chunked(m_fd, m_buffer, at, out.body, timeout_ms)) return out;
    } else if (out.headers.count("content-length")) {
        const auto length = std::stoul(out.headers["content-length"]);
        while (m_buffer.size() < at + length) {
            if (!fill(timeout_ms)) return out;
        }
        out.body = m_buffer.substr(at, length);
        at += length;
    } else {
        while (fill(timeout_ms)) {
        }
        out.body = m_buffer.substr(at);
        at = m_buffer.size();
    }
    m_buffer.erase(0, at);
    out.status = status;
    return out;
}

std::string TestClient::read_all(int timeout_ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
        if (!fill(static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count()))) break;
    }
    return std::exchange(m_buffer, {});
}

std::string TestClient::read_some(int timeout_ms) {
    if (m_buffer.empty()) fill(timeout_ms);
    return std::exchange(m_buffer, {});
}

HttpResponse http_get(std::uint16_t port, const std::string& target, const std::string& extra_headers) {
    TestClient client(port);
    if (!client.connected()) return {};
    client.send("GET " + target + " HTTP/1.1\r\nHost: test.local\r\n" + extra_headers + "\r\n");
    return client.read_response();
}

}  // namespace fulcrum::proxy::testing
