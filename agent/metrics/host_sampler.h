#pragma once
// Host CPU, memory, load and network from /proc, as rates over the interval since the last
// call. Small, bounded file reads; no subprocesses.

#include "agent/protocol/metrics.h"

#include <cstdint>
#include <string>

namespace fulcrum::agent {

class HostSampler {
public:
    protocol::HostSample sample(std::int64_t now_steady_ms);

    // Parsers, public for tests.
    struct CpuTimes {
        std::uint64_t busy = 0;
        std::uint64_t total = 0;
    };
    static CpuTimes parse_cpu(const std::string& proc_stat);
    static void parse_meminfo(const std::string& meminfo, protocol::HostSample& out);
    // Bytes received and sent over every interface except loopback.
    static std::pair<std::uint64_t, std::uint64_t> parse_net_dev(const std::string& net_dev);

private:
    CpuTimes m_cpu;
    std::uint64_t m_rx = 0;
    std::uint64_t m_tx = 0;
    std::int64_t m_at_ms = 0;
};

}  // namespace fulcrum::agent
