#include "tests/e2e/support/http_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <sstream>

namespace fulcrum::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxBodyBytes = 4 * 1024 * 1024;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// One keep-alive connection with a read buffer; every call honours one deadline.
class Connection {
public:
    ~Connection() { close(); }
    bool open() const { return m_fd >= 0; }
    void close() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
        m_buffer.clear();
    }

    std::optional<std::string> connect(const std::string& address, int port, Clock::time_point deadline) {
        close();
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (m_fd < 0) return std::string("socket: ") + std::strerror(errno);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<uint16_t>(port));
        if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return "bad address " + address;
        int one = 1;
        setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(m_fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
            return std::string("connect: ") + std::strerror(errno);
        }
        if (!wait(POLLOUT, deadline)) return std::string("connect: timed out");
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) return std::string("connect: ") + std::strerror(error);
        return std::nullopt;
    }

    std::optional<std::string> send_all(const std::string& data, Clock::time_point deadline) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const ssize_t n = ::send(m_fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
            } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                if (!wait(POLLOUT, deadline)) return std::string("send: timed out");
            } else {
                return std::string("send: ") + std::strerror(errno);
            }
        }
        return std::nullopt;
    }

    // Appends at least one byte to the buffer, or says why not.
    std::optional<std::string> fill(Clock::time_point deadline) {
        std::array<char, 16384> chunk{};
        for (;;) {
            const ssize_t n = ::recv(m_fd, chunk.data(), chunk.size(), 0);
            if (n > 0) {
                m_buffer.append(chunk.data(), static_cast<std::size_t>(n));
                return std::nullopt;
            }
            if (n == 0) return std::string("connection closed by peer");
            if (errno != EAGAIN && errno != EINTR) return std::string("recv: ") + std::strerror(errno);
            if (!wait(POLLIN, deadline)) return std::string("response timed out");
        }
    }

    std::string& buffer() { return m_buffer; }

private:
    bool wait(short events, Clock::time_point deadline) {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) return false;
            pollfd p{m_fd, events, 0};
            const int r = ::poll(&p, 1, static_cast<int>(left));
            if (r > 0) return true;
            if (r < 0 && errno != EINTR) return false;
        }
    }

    int m_fd = -1;
    std::string m_buffer;
};

struct Response {
    int status = 0;
    bool close = false;
    std::string tally_value;
};

// Reads one response; nullopt plus a reason in `error` when it is not complete and valid.
std::optional<Response> read_response(Connection& c, const std::string& tally_header, Clock::time_point deadline,
                                      std::string& error) {
    std::size_t header_end;
    while ((header_end = c.buffer().find("\r\n\r\n")) == std::string::npos) {
        if (c.buffer().size() > kMaxHeaderBytes) {
            error = "response header too large";
            return std::nullopt;
        }
        if (auto e = c.fill(deadline)) {
            error = *e + (c.buffer().empty() ? " before any response byte" : " inside the response header");
            return std::nullopt;
        }
    }
    std::istringstream head(c.buffer().substr(0, header_end));
    std::string line;
    std::getline(head, line);
    Response r;
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) {
        error = "bad status line: " + line.substr(0, 80);
        return std::nullopt;
    }
    r.status = std::atoi(line.c_str() + 9);
    std::optional<std::size_t> length;
    bool chunked = false;
    while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const std::string name = lower(line.substr(0, colon));
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        if (name == "content-length") length = static_cast<std::size_t>(std::strtoull(value.c_str(), nullptr, 10));
        if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) chunked = true;
        if (name == "connection" && lower(value).find("close") != std::string::npos) r.close = true;
        if (name == tally_header) r.tally_value = value;
    }
    c.buffer().erase(0, header_end + 4);
    if (chunked) {
        for (;;) {
            std::size_t eol;
            while ((eol = c.buffer().find("\r\n")) == std::string::npos) {
                if (auto e = c.fill(deadline)) {
                    error = *e + " inside a chunked body";
                    return std::nullopt;
                }
            }
            const std::size_t size = std::strtoull(c.buffer().c_str(), nullptr, 16);
            if (size > kMaxBodyBytes) {
                error = "chunk too large";
                return std::nullopt;
            }
            while (c.buffer().size() < eol + 2 + size + 2) {
                if (auto e = c.fill(deadline)) {
                    error = *e + " inside a chunked body";
                    return std::nullopt;
                }
            }
            c.buffer().erase(0, eol + 2 + size + 2);
            if (size == 0) break;  // no trailers are expected from the servers under test
        }
    } else if (length) {
        if (*length > kMaxBodyBytes) {
            error = "body too large";
            return std::nullopt;
        }
        while (c.buffer().size() < *length) {
            if (auto e = c.fill(deadline)) {
                error = *e + " inside the body";
                return std::nullopt;
            }
        }
        c.buffer().erase(0, *length);
    } else if (r.status >= 200 && r.status != 204 && r.status != 304) {
        // Body delimited by close: read to the end.
        while (!c.fill(deadline)) {
        }
        c.buffer().clear();
        r.close = true;
    }
    return r;
}

}  // namespace

HttpLoad::HttpLoad(HttpLoadOptions options) : m_options(std::move(options)) {}

HttpLoad::~HttpLoad() { stop(); }

void HttpLoad::start() {
    m_started = Clock::now();
    m_running = true;
    m_live_threads = m_options.connections;
    for (int i = 0; i < m_options.connections; ++i) m_threads.emplace_back([this] { run_connection(); });
}

void HttpLoad::stop() {
    m_stop = true;
    for (auto& t : m_threads) {
        if (t.joinable()) t.join();
    }
    m_threads.clear();
    m_running = false;
}

bool HttpLoad::claim_request() {
    if (m_stop.load()) return false;
    if (Clock::now() - m_started > m_options.max_duration) return false;
    return m_issued.fetch_add(1) < m_options.max_requests;
}

void HttpLoad::record_failure(const std::string& reason) {
    m_failed.fetch_add(1);
    std::lock_guard lock(m_mutex);
    if (m_failures.size() < 100) {
        m_failures.push_back(
            {std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_started), reason});
    }
}

void HttpLoad::record_success(const std::string& tally_value) {
    {
        std::lock_guard lock(m_mutex);
        ++m_tally[tally_value];
    }
    m_succeeded.fetch_add(1);
}

void HttpLoad::run_connection() {
    const std::string request = "GET " + m_options.path + " HTTP/1.1\r\nHost: " + m_options.host_header +
                                "\r\nUser-Agent: fulcrum-e2e-load\r\nAccept: */*\r\n\r\n";
    Connection c;
    while (claim_request()) {
        const auto deadline = Clock::now() + m_options.request_timeout;
        std::string error;
        if (!c.open()) {
            if (auto e = c.connect(m_options.address, m_options.port, deadline)) {
                record_failure(*e);
                c.close();
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                continue;
            }
        }
        if (auto e = c.send_all(request, deadline)) {
            record_failure(*e);
            c.close();
            continue;
        }
        const auto response = read_response(c, m_options.tally_header, deadline, error);
        if (!response) {
            record_failure(error);
            c.close();
        } else {
            if (response->status >= 200 && response->status < 300) {
                record_success(response->tally_value);
            } else {
                record_failure("HTTP status " + std::to_string(response->status));
            }
            if (response->close) c.close();
        }
        if (m_options.pause.count() > 0) std::this_thread::sleep_for(m_options.pause);
    }
    if (--m_live_threads == 0) m_running = false;
}

std::vector<HttpLoadFailure> HttpLoad::failures() const {
    std::lock_guard lock(m_mutex);
    return m_failures;
}

std::map<std::string, std::uint64_t> HttpLoad::tally() const {
    std::lock_guard lock(m_mutex);
    return m_tally;
}

bool HttpLoad::wait_for_successes(std::uint64_t count, std::chrono::milliseconds timeout) const {
    const std::uint64_t target = m_succeeded.load() + count;
    const auto deadline = Clock::now() + timeout;
    while (m_succeeded.load() < target) {
        if (Clock::now() > deadline || !m_running.load()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

std::string HttpLoad::summary() const {
    std::ostringstream out;
    out << m_succeeded.load() << " succeeded, " << m_failed.load() << " failed";
    for (const auto& [value, count] : tally()) out << "; " << m_options.tally_header << "=" << value << ": " << count;
    for (const auto& f : failures()) out << "\n  at " << f.at.count() << " ms: " << f.reason;
    return out.str();
}

}  // namespace fulcrum::testing
