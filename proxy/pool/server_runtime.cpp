#include "proxy/pool/server_runtime.h"

#include <asio/ip/address.hpp>

namespace fulcrum::proxy::pool {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

ServerRuntime::ServerRuntime(const config::ServerConfig& config)
    : m_address(config.address),
      m_endpoint(asio::ip::make_address(config.endpoint.ip), config.endpoint.port),
      state_(config.state),
      weight_(config.weight),
      backup_(config.backup) {}

void ServerRuntime::apply(const config::ServerConfig& config) {
    state_.store(config.state, std::memory_order_relaxed);
    weight_.store(config.weight, std::memory_order_relaxed);
    backup_.store(config.backup, std::memory_order_relaxed);
}

config::ServerConfig ServerRuntime::to_config() const {
    config::ServerConfig out;
    out.address = m_address;
    std::string error;
    if (auto parsed = config::parse_socket_address(m_address, error)) out.endpoint = *parsed;
    out.weight = weight();
    out.state = state();
    out.backup = backup();
    return out;
}

bool ServerRuntime::available(std::int64_t now) const {
    return state() == config::ServerState::active && healthy() && !passive_down(now);
}

void ServerRuntime::report_failure(std::int64_t now, std::uint32_t max_fails, std::uint64_t fail_timeout_ms) {
    server::add(stats.failures);
    if (max_fails == 0) return;
    const auto window = static_cast<std::int64_t>(fail_timeout_ms);
    auto start = fail_window_start_.load(std::memory_order_relaxed);
    if (now - start > window) {
        // A new window; racing threads may both reset, which only forgets a failure or two.
        fail_window_start_.store(now, std::memory_order_relaxed);
        fails_.store(0, std::memory_order_relaxed);
    }
    if (fails_.fetch_add(1, std::memory_order_relaxed) + 1 >= max_fails) {
        down_until_.store(now + window, std::memory_order_relaxed);
        fails_.store(0, std::memory_order_relaxed);
        fail_window_start_.store(now, std::memory_order_relaxed);
    }
}

void ServerRuntime::report_success() {
    if (fails_.load(std::memory_order_relaxed) != 0) fails_.store(0, std::memory_order_relaxed);
}

void ServerRuntime::record_check(bool ok, std::uint32_t rise, std::uint32_t fall) {
    checks_.fetch_add(1, std::memory_order_relaxed);
    if (ok) {
        consecutive_fail_ = 0;
        if (++consecutive_ok_ >= rise) healthy_.store(true, std::memory_order_relaxed);
    } else {
        consecutive_ok_ = 0;
        if (++consecutive_fail_ >= fall) healthy_.store(false, std::memory_order_relaxed);
    }
}

}  // namespace fulcrum::proxy::pool
