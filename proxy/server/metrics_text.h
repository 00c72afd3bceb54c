#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "proxy/pool/pool_runtime.h"
#include "proxy/pool/server_runtime.h"
#include "proxy/tls/certificate_info.h"

namespace fulcrum::proxy::server {

class Snapshot;

// One server's live status: state, weight, health (active and passive), in-flight, counters.
nlohmann::json server_json(const pool::ServerRuntime& server, std::int64_t now_ms);
nlohmann::json certificate_json(const tls::CertificateInfo& info);
// Requests in flight to every server of the pool now (a gauge: summed when asked).
std::int64_t pool_in_flight(const pool::PoolRuntime& pool);

// What the admin `stats` answer reports from outside the snapshot: the loops and the log.
struct ProcessGauges {
    std::uint64_t threads = 0;
    std::uint64_t connections = 0;  // client connections open on every loop
    bool access_log_enabled = false;
    std::uint64_t access_log_lines_dropped = 0;
};

// Every number of the admin `stats` answer, in the Prometheus text format (fulcrum_proxy_*,
// fulcrum_tls_*): counters, gauges, histograms, and info series for the text fields.
// tests/proxy/server/metrics_coverage_test.cpp holds the two lists side by side.
std::string render_metrics(const Snapshot* snapshot, const ProcessGauges& process);

}  // namespace fulcrum::proxy::server
