#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "proxy/pool/server_runtime.h"
#include "proxy/tls/certificate_info.h"

namespace fulcrum::proxy::server {

class Snapshot;

// One server's live status: state, weight, health (active and passive), in-flight, counters.
nlohmann::json server_json(const pool::ServerRuntime& server, std::int64_t now_ms);
nlohmann::json certificate_json(const tls::CertificateInfo& info);

// Every counter, gauge and histogram in the Prometheus text format (fulcrum_proxy_*).
std::string render_metrics(const Snapshot* snapshot);

}  // namespace fulcrum::proxy::server
