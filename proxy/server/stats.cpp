#include "proxy/server/stats.h"

namespace fulcrum::proxy::server {

void LatencyHistogram::record(std::uint64_t microseconds) {
    const double seconds = static_cast<double>(microseconds) / 1e6;
    std::size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    m_buckets[i].fetch_add(1, std::memory_order_relaxed);
    m_sum_us.fetch_add(microseconds, std::memory_order_relaxed);
}

std::array<std::uint64_t, LatencyHistogram::kBounds.size() + 1> LatencyHistogram::counts() const {
    std::array<std::uint64_t, kBounds.size() + 1> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = m_buckets[i].load(std::memory_order_relaxed);
    return out;
}

double LatencyHistogram::sum_seconds() const {
    return static_cast<double>(m_sum_us.load(std::memory_order_relaxed)) / 1e6;
}

double LatencyHistogram::quantile_ms(double q) const {
    const auto c = counts();
    std::uint64_t total = 0;
    for (const auto n : c) total += n;
    if (total == 0) return 0;
    const double rank = q * static_cast<double>(total);
    double seen = 0;
    for (std::size_t i = 0; i < c.size(); ++i) {
        const double next = seen + static_cast<double>(c[i]);
        if (next >= rank && c[i] > 0) {
            const double low = i == 0 ? 0 : kBounds[i - 1];
            const double high = i < kBounds.size() ? kBounds[i] : kBounds.back() * 2;
            const double fraction = (rank - seen) / static_cast<double>(c[i]);
            return (low + (high - low) * fraction) * 1000.0;
        }
        seen = next;
    }
    return kBounds.back() * 1000.0;
}

nlohmann::json TrafficStats::to_json() const {
    const auto r = [](const auto& a) { return a.load(std::memory_order_relaxed); };
    nlohmann::json classes = nlohmann::json::object();
    for (std::size_t i = 0; i < status_classes.size(); ++i) classes[std::to_string(i + 1) + "xx"] = r(status_classes[i]);
    return {{"requests", r(requests)},
            {"status", classes},
            {"bytes_in", r(bytes_in)},
            {"bytes_out", r(bytes_out)},
            {"retries", r(retries)},
            {"failures", r(failures)},
            {"latency_ms", {{"p50", latency.quantile_ms(0.5)}, {"p90", latency.quantile_ms(0.9)}, {"p99", latency.quantile_ms(0.99)}}}};
}

}  // namespace fulcrum::proxy::server
