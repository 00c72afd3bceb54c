#include "agent/metrics/host_sampler.h"

#include "agent/util/text_fields.h"

namespace fulcrum::agent {
namespace {
constexpr std::size_t kStatHeadBytes = 1024;     // the "cpu" line: 10 counters
constexpr std::size_t kMeminfoHeadBytes = 1024;  // MemTotal is line 1, MemAvailable line 3
}  // namespace

HostSampler::CpuTimes HostSampler::parse_cpu(std::string_view proc_stat) {
    CpuTimes times;
    std::string_view line = next_line(proc_stat);
    if (line.substr(0, 4) != "cpu " && line.substr(0, 4) != "cpu\t") return times;
    line.remove_prefix(3);
    // user nice system idle iowait irq softirq steal (guest time is already in user/nice).
    std::uint64_t value = 0;
    for (int i = 0; i < 8 && next_number(line, value); ++i) {
        times.total += value;
        if (i != 3 && i != 4) times.busy += value;
    }
    return times;
}

void HostSampler::parse_meminfo(std::string_view meminfo, protocol::HostSample& out) {
    while (!meminfo.empty()) {
        std::string_view line = next_line(meminfo);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view key = line.substr(0, colon);
        std::string_view rest = line.substr(colon + 1);
        std::uint64_t kib = 0;
        if (key != "MemTotal" && key != "MemAvailable") continue;
        if (!next_number(rest, kib)) continue;
        (key == "MemTotal" ? out.mem_total_bytes : out.mem_available_bytes) = kib * 1024;
    }
}

void HostSampler::parse_loadavg(std::string_view loadavg, protocol::HostSample& out) {
    double values[3] = {};
    for (auto& value : values) {
        if (!next_number(loadavg, value)) return;
    }
    out.load1 = values[0];
    out.load5 = values[1];
    out.load15 = values[2];
}

std::pair<std::uint64_t, std::uint64_t> HostSampler::parse_net_dev(std::string_view net_dev) {
    std::uint64_t rx = 0;
    std::uint64_t tx = 0;
    while (!net_dev.empty()) {
        const std::string_view line = next_line(net_dev);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view name = line.substr(0, colon);
        name.remove_prefix(std::min(name.find_first_not_of(' '), name.size()));
        if (name == "lo") continue;
        std::string_view fields = line.substr(colon + 1);
        std::uint64_t values[9] = {};
        bool complete = true;
        for (auto& v : values) complete = complete && next_number(fields, v);
        if (!complete) continue;
        rx += values[0];
        tx += values[8];
    }
    return {rx, tx};
}

protocol::HostSample HostSampler::sample(std::int64_t now_steady_ms) {
    protocol::HostSample out;
    const auto cpu = parse_cpu(m_stat_file.read_head(kStatHeadBytes).value_or(""));
    if (m_cpu.total > 0 && cpu.total > m_cpu.total && cpu.busy >= m_cpu.busy)
        out.cpu_percent = 100.0 * static_cast<double>(cpu.busy - m_cpu.busy) / static_cast<double>(cpu.total - m_cpu.total);
    m_cpu = cpu;
    parse_meminfo(m_meminfo_file.read_head(kMeminfoHeadBytes).value_or(""), out);
    parse_loadavg(m_loadavg_file.read().value_or(""), out);
    const auto [rx, tx] = parse_net_dev(m_net_dev_file.read().value_or(""));
    if (m_at_ms > 0 && now_steady_ms > m_at_ms && rx >= m_rx && tx >= m_tx) {
        const double seconds = static_cast<double>(now_steady_ms - m_at_ms) / 1000.0;
        out.net_rx_bytes_per_s = static_cast<double>(rx - m_rx) / seconds;
        out.net_tx_bytes_per_s = static_cast<double>(tx - m_tx) / seconds;
    }
    m_rx = rx;
    m_tx = tx;
    m_at_ms = now_steady_ms;
    return out;
}

}  // namespace fulcrum::agent
