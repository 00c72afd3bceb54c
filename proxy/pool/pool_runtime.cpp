#include "proxy/pool/pool_runtime.h"

#include <cmath>
#include <limits>

namespace fulcrum::proxy::pool {

namespace {
std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

std::uint64_t next_random() {
    thread_local std::uint64_t state = mix(reinterpret_cast<std::uintptr_t>(&state) ^
                                           static_cast<std::uint64_t>(now_ms()));
    state = mix(state);
    return state;
}
}  // namespace

std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed) {
    std::uint64_t h = 1469598103934665603ull ^ seed;  // FNV-1a, then mixed
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return mix(h);
}

PoolRuntime::PoolRuntime(config::PoolConfig config, std::vector<std::shared_ptr<ServerRuntime>> servers,
                         std::shared_ptr<server::TrafficStats> stats)
    : m_config(std::move(config)), m_servers(std::move(servers)), m_stats(std::move(stats)) {
    m_current_weights.assign(m_servers.size(), 0);
    for (const auto& server : m_servers) m_server_hashes.push_back(hash_bytes(server->address()));
}

config::PoolConfig PoolRuntime::live_config() const {
    auto out = m_config;
    out.servers.clear();
    for (const auto& server : m_servers) out.servers.push_back(server->to_config());
    return out;
}

bool PoolRuntime::eligible(std::size_t i, bool backup, std::int64_t now, std::uint64_t tried) const {
    if (i < 64 && (tried & (1ull << i))) return false;
    const auto& server = *m_servers[i];
    return server.backup() == backup && server.available(now);
}

Selection PoolRuntime::select(const SelectInput& input) {
    const auto now = now_ms();
    auto selection = pick(false, input, now);
    if (selection.server) return selection;
    selection = pick(true, input, now);
    if (selection.server) return selection;
    bool any_active = false;
    for (const auto& server : m_servers) any_active |= server->state() == config::ServerState::active;
    selection.reason = any_active ? NoServer::all_down : NoServer::no_servers;
    return selection;
}

Selection PoolRuntime::pick(bool backup, const SelectInput& input, std::int64_t now) {
    const std::size_t n = m_servers.size();
    Selection out;
    std::size_t best = n;
    switch (m_config.balance) {
        case config::Balance::round_robin: {
            // Smooth weighted round robin (nginx): every eligible server gains its weight,
            // the largest wins and pays back the total. Spreads heavy servers evenly.
            std::lock_guard lock(m_rr_mutex);
            std::int64_t total = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (!eligible(i, backup, now, input.tried)) continue;
                const auto w = static_cast<std::int64_t>(m_servers[i]->weight());
                m_current_weights[i] += w;
                total += w;
                if (best == n || m_current_weights[i] > m_current_weights[best]) best = i;
            }
            if (best != n) m_current_weights[best] -= total;
            break;
        }
        case config::Balance::least_conn: {
            // Fewest in-flight per weight; ties go to a random start so equal servers share.
            const std::size_t start = n ? static_cast<std::size_t>(next_random() % n) : 0;
            for (std::size_t k = 0; k < n; ++k) {
                const std::size_t i = (start + k) % n;
                if (!eligible(i, backup, now, input.tried)) continue;
                if (best == n) {
                    best = i;
                    continue;
                }
                const auto a = m_servers[i]->in_flight.load(std::memory_order_relaxed) *
                               static_cast<std::int64_t>(m_servers[best]->weight());
                const auto b = m_servers[best]->in_flight.load(std::memory_order_relaxed) *
                               static_cast<std::int64_t>(m_servers[i]->weight());
                if (a < b) best = i;
            }
            break;
        }
        case config::Balance::ip_hash:
        case config::Balance::hash: {
            // Weighted rendezvous hashing: consistent (a server's removal moves only its own
            // keys), no ring to rebuild, and a failed server's keys spread over the rest.
            const auto key = hash_bytes(m_config.balance == config::Balance::ip_hash ? input.client_ip : input.hash_key);
            double best_score = -std::numeric_limits<double>::infinity();
            for (std::size_t i = 0; i < n; ++i) {
                if (!eligible(i, backup, now, input.tried)) continue;
                const auto h = mix(key ^ m_server_hashes[i]);
                const double unit = (static_cast<double>(h >> 11) + 0.5) / 9007199254740992.0;  // (0,1)
                const double score = -static_cast<double>(m_servers[i]->weight()) / std::log(unit);
                if (score > best_score) {
                    best_score = score;
                    best = i;
                }
            }
            break;
        }
        case config::Balance::random_two: {
            // Two random eligible servers (weighted), the one with fewer in flight wins.
            std::uint64_t total = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (eligible(i, backup, now, input.tried)) total += m_servers[i]->weight();
            }
            if (total == 0) break;
            std::size_t chosen[2] = {n, n};
            for (auto& c : chosen) {
                auto r = next_random() % total;
                for (std::size_t i = 0; i < n; ++i) {
                    if (!eligible(i, backup, now, input.tried)) continue;
                    const auto w = m_servers[i]->weight();
                    if (r < w) {
                        c = i;
                        break;
                    }
                    r -= w;
                }
            }
            best = chosen[0];
            if (chosen[1] != n && m_servers[chosen[1]]->in_flight.load(std::memory_order_relaxed) <
                                      m_servers[chosen[0]]->in_flight.load(std::memory_order_relaxed)) {
                best = chosen[1];
            }
            break;
        }
    }
    if (best != n) {
        out.server = m_servers[best].get();
        out.index = best;
    }
    return out;
}

}  // namespace fulcrum::proxy::pool
