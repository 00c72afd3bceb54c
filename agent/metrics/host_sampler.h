#pragma once
// Host CPU, memory, load and network from /proc, as rates over the interval since the last
// call. Small, bounded reads of files kept open (util/proc_file.h); no subprocesses, no
// allocations per sample.

#include "agent/protocol/metrics.h"
#include "agent/util/proc_file.h"

#include <cstdint>
#include <string_view>

namespace fulcrum::agent {

class HostSampler {
public:
    protocol::HostSample sample(std::int64_t now_steady_ms);

    // Parsers, public for tests.
    struct CpuTimes {
        std::uint64_t busy = 0;
        std::uint64_t total = 0;
    };
    static CpuTimes parse_cpu(std::string_view proc_stat);
    static void parse_meminfo(std::string_view meminfo, protocol::HostSample& out);
    static void parse_loadavg(std::string_view loadavg, protocol::HostSample& out);
    // Bytes received and sent over every interface except loopback.
    static std::pair<std::uint64_t, std::uint64_t> parse_net_dev(std::string_view net_dev);

private:
    // /proc/stat's first line and the two /proc/meminfo lines wanted are near the top; the
    // rest of those files (per-CPU and interrupt counters, ~50 memory fields) is not copied.
    ProcFile m_stat_file{"/proc/stat"};
    ProcFile m_meminfo_file{"/proc/meminfo"};
    ProcFile m_loadavg_file{"/proc/loadavg", 4096};
    ProcFile m_net_dev_file{"/proc/net/dev"};
    CpuTimes m_cpu;
    std::uint64_t m_rx = 0;
    std::uint64_t m_tx = 0;
    std::int64_t m_at_ms = 0;
};

}  // namespace fulcrum::agent
