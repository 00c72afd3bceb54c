#pragma once
// A bounded HTTP/1.1 load loop for end-to-end tests: a few keep-alive connections sending GETs
// to one address while the test breaks things elsewhere, recording every request's outcome.
// A request counts as failed on anything but a complete 2xx response (refused or reset
// connections, timeouts, 5xx, truncated bodies); each failure keeps its time and reason, so a
// test can say which event caused it. Bounded in count and time, paced to share 2 cores.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fulcrum::testing {

struct HttpLoadOptions {
    std::string address;                     // IPv4 literal
    int port = 0;
    std::string path = "/";
    std::string host_header = "e2e.test";
    int connections = 2;
    std::uint64_t max_requests = 50000;      // all connections together
    std::chrono::milliseconds max_duration{120000};
    std::chrono::milliseconds request_timeout{5000};
    std::chrono::microseconds pause{2000};   // between requests on one connection
    std::string tally_header = "x-worker-port";  // successes are counted per value of this header
};

struct HttpLoadFailure {
    std::chrono::milliseconds at;  // since start()
    std::string reason;
};

class HttpLoad {
public:
    explicit HttpLoad(HttpLoadOptions options);
    ~HttpLoad();
    HttpLoad(const HttpLoad&) = delete;
    HttpLoad& operator=(const HttpLoad&) = delete;

    void start();
    void stop();  // waits for the connections to finish their current request

    std::uint64_t succeeded() const { return m_succeeded.load(); }
    std::uint64_t failed() const { return m_failed.load(); }
    std::vector<HttpLoadFailure> failures() const;           // the first 100
    std::map<std::string, std::uint64_t> tally() const;       // tally_header value -> successes
    // Waits until `count` more requests than now have succeeded; false on timeout or when the
    // loop has ended (bounds reached).
    bool wait_for_successes(std::uint64_t count, std::chrono::milliseconds timeout) const;
    bool running() const { return m_running.load(); }
    std::string summary() const;

private:
    void run_connection();
    void record_failure(const std::string& reason);
    void record_success(const std::string& tally_value);
    bool claim_request();

    HttpLoadOptions m_options;
    std::chrono::steady_clock::time_point m_started;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_running{false};
    std::atomic<std::uint64_t> m_issued{0};
    std::atomic<std::uint64_t> m_succeeded{0};
    std::atomic<std::uint64_t> m_failed{0};
    mutable std::mutex m_mutex;
    std::vector<HttpLoadFailure> m_failures;
    std::map<std::string, std::uint64_t> m_tally;
    std::vector<std::thread> m_threads;
    std::atomic<int> m_live_threads{0};
};

}  // namespace fulcrum::testing
