#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include <asio/ip/tcp.hpp>

#include "proxy/config/proxy_config.h"
#include "proxy/server/stats.h"

namespace fulcrum::proxy::pool {

std::int64_t now_ms();  // steady clock

// One upstream server as every loop thread sees it. Admin state and weight are atomics, so
// set_server changes them in place without a snapshot swap; the object survives pool and
// config replacements that keep the address, and with it counters, health and in-flight.
class ServerRuntime {
public:
    explicit ServerRuntime(const config::ServerConfig& config);

    const std::string& address() const { return m_address; }
    const asio::ip::tcp::endpoint& endpoint() const { return m_endpoint; }

    config::ServerState state() const { return state_.load(std::memory_order_relaxed); }
    std::uint32_t weight() const { return weight_.load(std::memory_order_relaxed); }
    bool backup() const { return backup_.load(std::memory_order_relaxed); }
    void apply(const config::ServerConfig& config);  // state, weight, backup
    config::ServerConfig to_config() const;

    // Whether new requests may go here: active, not marked down by passive health, and
    // passing active checks.
    bool available(std::int64_t now) const;
    // Passive health, nginx-style: max_fails failures within fail_timeout mark the server
    // down for fail_timeout. max_fails 0 turns it off.
    void report_failure(std::int64_t now, std::uint32_t max_fails, std::uint64_t fail_timeout_ms);
    void report_success();
    bool passive_down(std::int64_t now) const { return down_until_.load(std::memory_order_relaxed) > now; }

    // Active health: written only by the health checker's thread.
    void record_check(bool ok, std::uint32_t rise, std::uint32_t fall);
    bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
    std::uint64_t checks() const { return checks_.load(std::memory_order_relaxed); }

    std::atomic<std::int64_t> in_flight{0};
    std::atomic<bool> removed{false};  // no longer in any pool: idle connections are dropped
    server::TrafficStats stats;
    std::string last_check_error;  // health thread only; copied for status under no lock (best effort)

private:
    std::string m_address;
    asio::ip::tcp::endpoint m_endpoint;
    std::atomic<config::ServerState> state_;
    std::atomic<std::uint32_t> weight_;
    std::atomic<bool> backup_;
    std::atomic<std::uint32_t> fails_{0};
    std::atomic<std::int64_t> fail_window_start_{0};
    std::atomic<std::int64_t> down_until_{0};
    std::atomic<bool> healthy_{true};
    std::atomic<std::uint64_t> checks_{0};
    std::uint32_t consecutive_ok_ = 0;    // health thread only
    std::uint32_t consecutive_fail_ = 0;  // health thread only
};

}  // namespace fulcrum::proxy::pool
