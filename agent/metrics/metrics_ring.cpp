#include "agent/metrics/metrics_ring.h"

#include <algorithm>

namespace fulcrum::agent {

void MetricsRing::push(protocol::MetricsSample sample) {
    m_samples.push_back(std::move(sample));
    while (m_samples.size() > kCapacity) m_samples.pop_front();
}

std::vector<protocol::MetricsSample> MetricsRing::history(std::optional<std::int64_t> since_ms, int max_samples) const {
    auto first = m_samples.begin();
    if (since_ms)
        first = std::upper_bound(m_samples.begin(), m_samples.end(), *since_ms,
                                 [](std::int64_t t, const auto& sample) { return t < sample.time_ms; });
    const auto available = static_cast<std::size_t>(std::distance(first, m_samples.end()));
    const auto wanted = static_cast<std::size_t>(std::clamp(max_samples, 0, static_cast<int>(kCapacity)));
    // The newest `wanted` of them, oldest first.
    if (available > wanted) first += static_cast<std::ptrdiff_t>(available - wanted);
    return {first, m_samples.end()};
}

}  // namespace fulcrum::agent
