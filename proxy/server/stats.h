#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

namespace fulcrum::proxy::server {

// Request latency in fixed buckets (upper bounds in seconds, Prometheus style) with relaxed
// atomic counters: recording is one fetch_add per bucket plus sum, no lock, no allocation.
class LatencyHistogram {
public:
    static constexpr std::array<double, 14> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                        0.25,  0.5,    1.0,   2.5,  5.0,   10.0, 30.0};
    void record(std::uint64_t microseconds);
    // Per-bucket counts (last = beyond the last bound) and the sum in seconds.
    std::array<std::uint64_t, kBounds.size() + 1> counts() const;
    double sum_seconds() const;
    // Estimated quantile in milliseconds (linear within the bucket); 0 without samples.
    double quantile_ms(double q) const;

private:
    std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> m_buckets{};
    std::atomic<std::uint64_t> m_sum_us{0};
};

// Counters kept per listener, pool and server. Shared by all loop threads (relaxed atomics);
// they live in shared_ptrs that survive config swaps for the same name / address.
struct TrafficStats {
    std::atomic<std::uint64_t> requests{0};
    std::array<std::atomic<std::uint64_t>, 5> status_classes{};  // 1xx..5xx
    std::atomic<std::uint64_t> bytes_in{0};   // from clients (or to the upstream, for servers)
    std::atomic<std::uint64_t> bytes_out{0};  // to clients (or from the upstream, for servers)
    std::atomic<std::int64_t> active_connections{0};  // listeners only (servers count in_flight)
    std::atomic<std::uint64_t> retries{0};
    std::atomic<std::uint64_t> failures{0};  // upstream connect/IO failures
    LatencyHistogram latency;

    void count_status(int status) {
        if (status >= 100 && status < 600) status_classes[static_cast<std::size_t>(status / 100 - 1)].fetch_add(1, std::memory_order_relaxed);
    }
    nlohmann::json to_json() const;
};

inline void add(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace fulcrum::proxy::server
