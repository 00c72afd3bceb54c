#pragma once
// Real-socket helpers for the proxy's integration tests: a small HTTP/1.1 upstream that
// records what reached it, and a blocking client that sends raw bytes.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fulcrum::proxy::testing {

struct RecordedRequest {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

// An upstream on 127.0.0.1:0. Keep-alive, Content-Length and chunked request bodies.
// Answers "NAME" (200) unless a behaviour says otherwise.
class TestUpstream {
public:
    // close_after_answer: answers as keep-alive, then closes (every pooled connection goes
    // stale). stray_408_when_idle: a keep-alive connection left idle for idle_close_ms gets
    // an unsolicited 408 and is closed, as some servers do on their own idle timeout.
    enum class Mode { normal, reset_before_answer, fail_status, slow, close_after_answer, stray_408_when_idle };

    explicit TestUpstream(std::string name);
    ~TestUpstream();
    void stop();

    std::uint16_t port() const { return m_port; }
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }
    const std::string& name() const { return m_name; }

    void set_mode(Mode mode) { m_mode = mode; }
    void set_status(int status) { m_status = status; }
    void set_delay_ms(int ms) { m_delay_ms = ms; }
    void set_idle_close_ms(int ms) { m_idle_close_ms = ms; }

    int requests() const { return m_requests.load(); }
    int connections() const { return m_connections.load(); }
    int health_requests() const { return m_health.load(); }
    std::vector<RecordedRequest> recorded() const;
    std::string raw() const;  // every byte received, in order (per connection appended)
    // Bytes received (raw().size()) and sent, tunnelled ones included; a response's bytes are
    // counted before its send, so a client holding the answer sees them.
    std::uint64_t received_bytes() const;
    std::uint64_t sent_bytes() const { return m_sent_bytes.load(); }

private:
    void accept_loop();
    void serve(int fd);
    bool send_counted(int fd, const char* data, std::size_t size);

    std::string m_name;
    int m_listen_fd = -1;
    std::uint16_t m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::atomic<Mode> m_mode{Mode::normal};
    std::atomic<int> m_status{200};
    std::atomic<int> m_delay_ms{0};
    std::atomic<int> m_idle_close_ms{1000};
    std::atomic<int> m_requests{0};
    std::atomic<int> m_connections{0};
    std::atomic<int> m_health{0};
    std::atomic<std::uint64_t> m_sent_bytes{0};
    mutable std::mutex m_mutex;
    std::vector<RecordedRequest> m_recorded;
    std::string m_raw;
    std::thread m_thread;
    std::vector<std::thread> m_workers;
    std::vector<int> m_fds;
};

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    bool ok() const { return status > 0; }
};

// A blocking client connection to 127.0.0.1:port.
class TestClient {
public:
    explicit TestClient(std::uint16_t port);
    ~TestClient();
    bool connected() const { return m_fd >= 0; }
    bool send(const std::string& bytes);
    // Reads one response (Content-Length, chunked or until close); status 0 on failure.
    HttpResponse read_response(bool head_request = false, int timeout_ms = 5000);
    // Reads until the server closes (or timeout); returns everything.
    std::string read_all(int timeout_ms = 3000);
    // What is buffered, or else the next bytes to arrive (up to the timeout); "" on close or
    // timeout. For tunnels, where no end of message can be recognised.
    std::string read_some(int timeout_ms);
    void close();

private:
    bool fill(int timeout_ms);
    int m_fd = -1;
    std::string m_buffer;
};

// One request on a fresh connection.
HttpResponse http_get(std::uint16_t port, const std::string& target, const std::string& extra_headers = {});

}  // namespace fulcrum::proxy::testing
