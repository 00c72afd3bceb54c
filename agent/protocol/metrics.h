#pragma once
// metrics.*: one sample per second of the host, the proxy and the workers.

#include "agent/protocol/json_fields.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::protocol {

struct HostSample {
    double cpu_percent = 0;  // all cores, 0..100
    std::uint64_t mem_total_bytes = 0;
    std::uint64_t mem_available_bytes = 0;
    double load1 = 0;
    double load5 = 0;
    double load15 = 0;
    double net_rx_bytes_per_s = 0;  // all interfaces except loopback
    double net_tx_bytes_per_s = 0;
    bool operator==(const HostSample&) const = default;
};
FULCRUM_PROTOCOL_JSON(HostSample, cpu_percent, mem_total_bytes, mem_available_bytes, load1, load5, load15,
                      net_rx_bytes_per_s, net_tx_bytes_per_s)

// Traffic over the last interval; rates are per second, latencies in milliseconds.
struct TrafficSample {
    double requests_per_s = 0;
    double status_2xx_per_s = 0;
    double status_3xx_per_s = 0;
    double status_4xx_per_s = 0;
    double status_5xx_per_s = 0;
    double errors_per_s = 0;  // connect failures, timeouts, resets (no HTTP status)
    double p50_ms = 0;
    double p99_ms = 0;
    std::int64_t active_connections = 0;
    double bytes_in_per_s = 0;
    double bytes_out_per_s = 0;
    bool operator==(const TrafficSample&) const = default;
};
FULCRUM_PROTOCOL_JSON(TrafficSample, requests_per_s, status_2xx_per_s, status_3xx_per_s, status_4xx_per_s,
                      status_5xx_per_s, errors_per_s, p50_ms, p99_ms, active_connections, bytes_in_per_s,
                      bytes_out_per_s)

struct ServerSample {
    std::string address;  // "127.0.0.1:8001"
    std::string state;    // as the proxy reports it: "up", "down", "draining", "backup", ...
    TrafficSample traffic;
    bool operator==(const ServerSample&) const = default;
};
FULCRUM_PROTOCOL_JSON(ServerSample, address, state, traffic)

struct PoolSample {
    std::string name;
    TrafficSample traffic;
    std::vector<ServerSample> servers;
    bool operator==(const PoolSample&) const = default;
};
FULCRUM_PROTOCOL_JSON(PoolSample, name, traffic, servers)

struct WorkerGroupSample {
    std::string group;
    int desired = 0;
    int running = 0;
    std::string state;  // GroupState name
    double cpu_percent = 0;
    std::uint64_t rss_bytes = 0;
    bool operator==(const WorkerGroupSample&) const = default;
};
FULCRUM_PROTOCOL_JSON(WorkerGroupSample, group, desired, running, state, cpu_percent, rss_bytes)

struct MetricsSample {
    std::int64_t time_ms = 0;
    HostSample host;
    bool proxy_running = false;
    std::vector<PoolSample> pools;
    std::vector<WorkerGroupSample> workers;
    bool operator==(const MetricsSample&) const = default;
};
FULCRUM_PROTOCOL_JSON(MetricsSample, time_ms, host, proxy_running, pools, workers)

struct MetricsHistoryParams {
    std::optional<std::int64_t> since_ms;  // only samples newer than this
    int max_samples = 3600;
    bool operator==(const MetricsHistoryParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(MetricsHistoryParams, since_ms, max_samples)

struct MetricsHistoryResult {
    int interval_ms = 1000;
    std::vector<MetricsSample> samples;  // oldest first
    bool operator==(const MetricsHistoryResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(MetricsHistoryResult, interval_ms, samples)

struct MetricsSubscribeParams {
    bool operator==(const MetricsSubscribeParams&) const = default;
};
FULCRUM_PROTOCOL_JSON_EMPTY(MetricsSubscribeParams)

struct MetricsSubscribeResult {
    std::int64_t subscription = 0;
    int interval_ms = 1000;
    bool operator==(const MetricsSubscribeResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(MetricsSubscribeResult, subscription, interval_ms)

struct MetricsSampleNotification {
    std::int64_t subscription = 0;
    MetricsSample sample;
    bool operator==(const MetricsSampleNotification&) const = default;
};
FULCRUM_PROTOCOL_JSON(MetricsSampleNotification, subscription, sample)

}  // namespace fulcrum::protocol
