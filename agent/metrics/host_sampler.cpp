#include "agent/metrics/host_sampler.h"

#include "agent/util/files.h"

#include <cstdio>
#include <sstream>

namespace fulcrum::agent {

HostSampler::CpuTimes HostSampler::parse_cpu(const std::string& proc_stat) {
    CpuTimes times;
    std::istringstream in(proc_stat);
    std::string label;
    in >> label;
    if (label != "cpu") return times;
    // user nice system idle iowait irq softirq steal (guest time is already in user/nice).
    std::uint64_t value = 0;
    for (int i = 0; i < 8 && (in >> value); ++i) {
        times.total += value;
        if (i != 3 && i != 4) times.busy += value;
    }
    return times;
}

void HostSampler::parse_meminfo(const std::string& meminfo, protocol::HostSample& out) {
    std::istringstream in(meminfo);
    std::string key;
    std::uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib) {
        std::getline(in, unit);
        if (key == "MemTotal:") out.mem_total_bytes = kib * 1024;
        if (key == "MemAvailable:") out.mem_available_bytes = kib * 1024;
    }
}

std::pair<std::uint64_t, std::uint64_t> HostSampler::parse_net_dev(const std::string& net_dev) {
    std::istringstream in(net_dev);
    std::string line;
    std::uint64_t rx = 0;
    std::uint64_t tx = 0;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        name.erase(0, name.find_first_not_of(' '));
        if (name == "lo") continue;
        std::istringstream fields(line.substr(colon + 1));
        std::uint64_t values[9] = {};
        for (auto& v : values) fields >> v;
        if (!fields) continue;
        rx += values[0];
        tx += values[8];
    }
    return {rx, tx};
}

protocol::HostSample HostSampler::sample(std::int64_t now_steady_ms) {
    protocol::HostSample out;
    const auto cpu = parse_cpu(read_small_file("/proc/stat", 1 << 20).value_or(""));
    if (m_cpu.total > 0 && cpu.total > m_cpu.total && cpu.busy >= m_cpu.busy)
        out.cpu_percent = 100.0 * static_cast<double>(cpu.busy - m_cpu.busy) / static_cast<double>(cpu.total - m_cpu.total);
    m_cpu = cpu;
    parse_meminfo(read_small_file("/proc/meminfo", 1 << 16).value_or(""), out);
    const auto load = read_small_file("/proc/loadavg", 4096).value_or("");
    std::sscanf(load.c_str(), "%lf %lf %lf", &out.load1, &out.load5, &out.load15);
    const auto [rx, tx] = parse_net_dev(read_small_file("/proc/net/dev", 1 << 20).value_or(""));
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
