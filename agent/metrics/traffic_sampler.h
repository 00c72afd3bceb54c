#pragma once
// Turns the proxy's cumulative counters (admin `stats`, proxy/admin/ADMIN.md) into per-second
// rates per pool and server, by difference with the previous answer. Counters that went
// backwards (the proxy restarted) start over instead of producing negative rates.

#include "agent/protocol/metrics.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace fulcrum::agent {

class TrafficSampler {
public:
    // `stats` is the "stats" object of the answer; hostile shapes are tolerated (fields read
    // as 0). Latency percentiles are the proxy's, over its whole histogram.
    std::vector<protocol::PoolSample> sample(const nlohmann::json& stats, std::int64_t now_steady_ms);
    void reset() { m_previous.clear(); }

private:
    struct Counters {
        double requests = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, failures = 0, bytes_in = 0, bytes_out = 0;
    };
    protocol::TrafficSample rates(const std::string& key, const nlohmann::json& traffic, double seconds);

    std::map<std::string, Counters> m_previous;
    std::map<std::string, Counters> m_current;
    std::int64_t m_at_ms = 0;
};

}  // namespace fulcrum::agent
