#include "agent/metrics/traffic_sampler.h"

namespace fulcrum::agent {

using nlohmann::json;

namespace {

double number(const json& object, const char* key) {
    if (!object.is_object()) return 0;
    auto it = object.find(key);
    return it != object.end() && it->is_number() ? it->get<double>() : 0;
}

std::string text(const json& object, const char* key) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

protocol::TrafficSample TrafficSampler::rates(const std::string& key, const json& traffic, double seconds) {
    Counters now;
    now.requests = number(traffic, "requests");
    const json status = traffic.is_object() ? traffic.value("status", json::object()) : json::object();
    now.s2 = number(status, "2xx");
    now.s3 = number(status, "3xx");
    now.s4 = number(status, "4xx");
    now.s5 = number(status, "5xx");
    now.failures = number(traffic, "failures");
    now.bytes_in = number(traffic, "bytes_in");
    now.bytes_out = number(traffic, "bytes_out");
    m_current[key] = now;

    protocol::TrafficSample sample;
    const json latency = traffic.is_object() ? traffic.value("latency_ms", json::object()) : json::object();
    sample.p50_ms = number(latency, "p50");
    sample.p99_ms = number(latency, "p99");
    sample.active_connections = static_cast<std::int64_t>(number(traffic, "active_connections") + number(traffic, "in_flight"));
    auto previous = m_previous.find(key);
    if (previous == m_previous.end() || seconds <= 0 || now.requests < previous->second.requests) return sample;
    const Counters& p = previous->second;
    auto rate = [seconds](double current, double before) { return current >= before ? (current - before) / seconds : 0.0; };
    sample.requests_per_s = rate(now.requests, p.requests);
    sample.status_2xx_per_s = rate(now.s2, p.s2);
    sample.status_3xx_per_s = rate(now.s3, p.s3);
    sample.status_4xx_per_s = rate(now.s4, p.s4);
    sample.status_5xx_per_s = rate(now.s5, p.s5);
    sample.errors_per_s = rate(now.failures, p.failures);
    sample.bytes_in_per_s = rate(now.bytes_in, p.bytes_in);
    sample.bytes_out_per_s = rate(now.bytes_out, p.bytes_out);
    return sample;
}

std::vector<protocol::PoolSample> TrafficSampler::sample(const json& stats, std::int64_t now_steady_ms) {
    std::vector<protocol::PoolSample> pools;
    const double seconds = m_at_ms > 0 ? static_cast<double>(now_steady_ms - m_at_ms) / 1000.0 : 0.0;
    m_current.clear();
    const json empty = json::array();
    const json& list = stats.is_object() && stats.contains("pools") && stats["pools"].is_array() ? stats["pools"] : empty;
    for (const auto& pool : list) {
        protocol::PoolSample sample;
        sample.name = text(pool, "name");
        sample.traffic = rates("pool/" + sample.name, pool, seconds);
        const json& servers = pool.is_object() && pool.contains("servers") && pool["servers"].is_array() ? pool["servers"] : empty;
        for (const auto& server : servers) {
            protocol::ServerSample s;
            s.address = text(server, "address");
            s.state = text(server, "state");
            if (server.is_object() && server.value("healthy", true) == false && s.state == "active") s.state = "down";
            s.traffic = rates("server/" + sample.name + "/" + s.address, server, seconds);
            sample.servers.push_back(std::move(s));
        }
        pools.push_back(std::move(sample));
    }
    m_previous = std::move(m_current);
    m_current.clear();
    m_at_ms = now_steady_ms;
    return pools;
}

}  // namespace fulcrum::agent
