#pragma once
// The last hour of one-second samples, oldest first. Fixed capacity: memory does not grow.

#include "agent/protocol/metrics.h"

#include <deque>
#include <optional>

namespace fulcrum::agent {

class MetricsRing {
public:
    static constexpr std::size_t kCapacity = 3600;

    void push(protocol::MetricsSample sample);
    std::vector<protocol::MetricsSample> history(std::optional<std::int64_t> since_ms, int max_samples) const;
    std::size_t size() const { return m_samples.size(); }
    const protocol::MetricsSample* latest() const { return m_samples.empty() ? nullptr : &m_samples.back(); }

private:
    std::deque<protocol::MetricsSample> m_samples;
};

}  // namespace fulcrum::agent
