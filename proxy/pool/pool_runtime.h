#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "proxy/config/proxy_config.h"
#include "proxy/pool/server_runtime.h"
#include "proxy/server/stats.h"

namespace fulcrum::proxy::pool {

// What a balancer may look at for one request.
struct SelectInput {
    std::string_view client_ip;  // ip_hash
    std::string_view hash_key;   // hash: the URI, header or cookie value
    std::uint64_t tried = 0;     // bit i: servers()[i] already failed this request
};

enum class NoServer {
    none,
    no_servers,   // nothing active (empty, all disabled or draining): 503
    all_down,     // active servers exist but every one is unhealthy or already tried: 502
};

struct Selection {
    ServerRuntime* server = nullptr;
    std::size_t index = 0;
    NoServer reason = NoServer::none;
};

// A pool's servers and balancer. Immutable apart from the balancer's own state; replaced
// whole by replace_pool / replace_config, reusing ServerRuntime objects by address.
class PoolRuntime {
public:
    PoolRuntime(config::PoolConfig config, std::vector<std::shared_ptr<ServerRuntime>> servers,
                std::shared_ptr<server::TrafficStats> stats);

    Selection select(const SelectInput& input);

    const config::PoolConfig& config() const { return m_config; }
    const std::vector<std::shared_ptr<ServerRuntime>>& servers() const { return m_servers; }
    server::TrafficStats& stats() { return *m_stats; }
    const std::shared_ptr<server::TrafficStats>& stats_ptr() const { return m_stats; }
    // The pool's config with each server's live state and weight.
    config::PoolConfig live_config() const;

private:
    bool eligible(std::size_t i, bool backup, std::int64_t now, std::uint64_t tried) const;
    Selection pick(bool backup, const SelectInput& input, std::int64_t now);

    config::PoolConfig m_config;
    std::vector<std::shared_ptr<ServerRuntime>> m_servers;
    std::vector<std::uint64_t> m_server_hashes;  // for rendezvous hashing
    std::shared_ptr<server::TrafficStats> m_stats;
    std::mutex m_rr_mutex;  // smooth weighted round robin state; held for a few instructions
    std::vector<std::int64_t> m_current_weights;
};

std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed = 0);

}  // namespace fulcrum::proxy::pool
