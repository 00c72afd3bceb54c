#pragma once
// One health probe of a worker on 127.0.0.1:port: a TCP connect, or an HTTP GET whose status
// must be 2xx or 3xx. Asynchronous, bounded by a timeout; the answer arrives on the loop.

#include "agent/config/worker_spec.h"

#include <asio.hpp>

#include <functional>
#include <memory>
#include <string>

namespace fulcrum::agent {

struct ProbeResult {
    bool healthy = false;
    std::string detail;  // "connection refused", "HTTP 503", "timed out after 1000 ms"
};

// Calls `done` exactly once. Keeps itself alive until then.
void probe_health(asio::io_context& io, const HealthCheckSpec& spec, int port, std::function<void(ProbeResult)> done);

}  // namespace fulcrum::agent
