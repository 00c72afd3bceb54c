#include "proxy/server/metrics_text.h"

#include <array>
#include <vector>

#include "proxy/metrics/prometheus_writer.h"
#include "proxy/server/snapshot.h"

namespace fulcrum::proxy::server {

using metrics::Label;
using metrics::PrometheusWriter;

nlohmann::json server_json(const pool::ServerRuntime& server, std::int64_t now_ms) {
    auto out = server.stats.to_json();
    out["address"] = server.address();
    out["state"] = config::to_string(server.state());
    out["weight"] = server.weight();
    out["backup"] = server.backup();
    out["in_flight"] = server.in_flight.load(std::memory_order_relaxed);
    out["healthy"] = server.healthy();
    out["passive_down"] = server.passive_down(now_ms);
    out["available"] = server.available(now_ms);
    out["health_checks"] = server.checks();
    return out;
}

nlohmann::json certificate_json(const tls::CertificateInfo& info) {
    return {{"path", info.cert_path},
            {"subject", info.subject},
            {"issuer", info.issuer},
            {"dns_names", info.dns_names},
            {"ip_addresses", info.ip_addresses},
            {"not_before", info.not_before},
            {"not_after", info.not_after},
            {"key_type", info.key_type},
            {"sha256", info.sha256_fingerprint}};
}

std::int64_t pool_in_flight(const pool::PoolRuntime& pool) {
    std::int64_t total = 0;
    for (const auto& server : pool.servers()) total += server->in_flight.load(std::memory_order_relaxed);
    return total;
}

std::string subject_alt_names(const tls::CertificateInfo& info) {
    std::string out;
    for (const auto* list : {&info.dns_names, &info.ip_addresses}) {
        for (const auto& name : *list) {
            if (!out.empty()) out += ',';
            out += name;
        }
    }
    return out;
}

namespace {

template <typename Each>
void per_stats(PrometheusWriter& w, const Snapshot& s, Each&& each) {
    for (const auto& l : s.listeners) each(std::string_view("listener"), std::string_view(l.config.name), std::string_view(), *l.stats);
    for (const auto& p : s.pools) {
        each(std::string_view("pool"), std::string_view(p->config().name), std::string_view(), p->stats());
        for (const auto& server : p->servers()) {
            each(std::string_view("server"), std::string_view(p->config().name), std::string_view(server->address()), server->stats);
        }
    }
    (void)w;
}

// One series per loaded certificate, labelled so an alert can name it: which listener and
// file, whom it is for (subject, SANs). Timestamps, not "seconds left", as the conventions
// ask; `fulcrum_tls_certificate_expiry_timestamp_seconds - time() < 14 * 86400` is the alert.
void render_certificates(PrometheusWriter& w, const Snapshot& s) {
    struct Loaded {
        const std::string* listener;
        tls::CertificateInfo info;
        std::string sans;
    };
    std::vector<Loaded> loaded;
    for (const auto& l : s.listeners) {
        if (!l.tls) continue;
        // One context for all three families: a reload between them cannot mix generations.
        const auto context = l.tls->current();
        for (const auto& info : context->certificates()) loaded.push_back({&l.config.name, info, subject_alt_names(info)});
    }
    const auto labels = [](const Loaded& c) {
        return std::array<Label, 4>{Label{"listener", *c.listener}, Label{"cert", c.info.cert_path},
                                    Label{"subject", c.info.subject}, Label{"sans", c.sans}};
    };
    w.family("fulcrum_tls_certificate_expiry_timestamp_seconds", PrometheusWriter::Type::gauge,
             "Unix time when the certificate stops being valid (notAfter).");
    for (const auto& c : loaded) {
        const auto l = labels(c);
        w.sample({l[0], l[1], l[2], l[3]}, static_cast<std::int64_t>(c.info.not_after));
    }
    w.family("fulcrum_tls_certificate_not_before_timestamp_seconds", PrometheusWriter::Type::gauge,
             "Unix time from which the certificate is valid (notBefore).");
    for (const auto& c : loaded) {
        const auto l = labels(c);
        w.sample({l[0], l[1], l[2], l[3]}, static_cast<std::int64_t>(c.info.not_before));
    }
    w.family("fulcrum_tls_certificate_info", PrometheusWriter::Type::gauge,
             "Always 1; the labels describe a loaded certificate.");
    for (const auto& c : loaded) {
        const auto l = labels(c);
        w.sample({l[0], l[1], l[2], l[3], Label{"issuer", c.info.issuer}, Label{"key_type", c.info.key_type},
                  Label{"sha256", c.info.sha256_fingerprint}},
                 static_cast<std::int64_t>(1));
    }
}

}  // namespace

namespace {

void render_process(PrometheusWriter& w, const ProcessGauges& process) {
    w.family("fulcrum_proxy_threads", PrometheusWriter::Type::gauge, "Event loop threads.");
    w.sample({}, process.threads);
    w.family("fulcrum_proxy_connections", PrometheusWriter::Type::gauge, "Client connections open, every listener.");
    w.sample({}, process.connections);
    w.family("fulcrum_proxy_access_log_enabled", PrometheusWriter::Type::gauge, "1 when the access log is written.");
    w.sample({}, static_cast<std::uint64_t>(process.access_log_enabled ? 1 : 0));
    w.family("fulcrum_proxy_access_log_dropped_lines_total", PrometheusWriter::Type::counter,
             "Access log lines dropped because the disk fell behind.");
    w.sample({}, process.access_log_lines_dropped);
}

// The text fields of listeners and pools as info series (value 1), the Prometheus way to
// carry what is not a number, so a query can join on them.
void render_info(PrometheusWriter& w, const Snapshot& s) {
    w.family("fulcrum_proxy_listener_info", PrometheusWriter::Type::gauge,
             "Always 1; the labels describe a listener as configured.");
    for (const auto& l : s.listeners) {
        w.sample({{"listener", std::string_view(l.config.name)}, {"address", std::string_view(l.config.address)},
                  {"tls", l.tls ? "true" : "false"}},
                 static_cast<std::int64_t>(1));
    }
    w.family("fulcrum_proxy_pool_info", PrometheusWriter::Type::gauge, "Always 1; the labels describe a pool.");
    for (const auto& p : s.pools) {
        w.sample({{"pool", std::string_view(p->config().name)}, {"balance", config::to_string(p->config().balance)}},
                 static_cast<std::int64_t>(1));
    }
}

// One gauge or counter per server, labelled pool and server.
template <typename Get>
void per_server(PrometheusWriter& w, const Snapshot& s, const char* name, PrometheusWriter::Type type, const char* help,
                Get get) {
    w.family(name, type, help);
    for (const auto& p : s.pools) {
        for (const auto& server : p->servers()) {
            w.sample({{"pool", std::string_view(p->config().name)}, {"server", std::string_view(server->address())}},
                     static_cast<std::int64_t>(get(*server)));
        }
    }
}

}  // namespace

std::string render_metrics(const Snapshot* snapshot, const ProcessGauges& process) {
    PrometheusWriter w;
    render_process(w, process);
    if (!snapshot) return w.take();
    const auto& s = *snapshot;
    render_info(w, s);
    const auto counter = [&](const char* name, const char* help, auto get) {
        for (const char* scope : {"listener", "pool", "server"}) {
            const std::string family = std::string("fulcrum_proxy_") + scope + "_" + name;
            w.family(family, PrometheusWriter::Type::counter, help);
            per_stats(w, s, [&](std::string_view kind, std::string_view owner, std::string_view address, const TrafficStats& t) {
                if (kind != scope) return;
                if (kind == "listener") w.sample({{"listener", owner}}, get(t));
                else if (kind == "pool") w.sample({{"pool", owner}}, get(t));
                else w.sample({{"pool", owner}, {"server", address}}, get(t));
            });
        }
    };
    const auto load = [](const auto& a) { return static_cast<std::uint64_t>(a.load(std::memory_order_relaxed)); };
    counter("requests_total", "Requests answered.", [&](const TrafficStats& t) { return load(t.requests); });
    counter("received_bytes_total", "Bytes received from clients (listener, pool) or sent to the upstream (server).",
            [&](const TrafficStats& t) { return load(t.bytes_in); });
    counter("sent_bytes_total", "Bytes sent to clients (listener, pool) or received from the upstream (server).",
            [&](const TrafficStats& t) { return load(t.bytes_out); });
    counter("retries_total", "Requests moved to another server after a failure.", [&](const TrafficStats& t) { return load(t.retries); });
    counter("failures_total", "Upstream connect or I/O failures.", [&](const TrafficStats& t) { return load(t.failures); });

    static const char* const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    for (const char* scope : {"listener", "pool", "server"}) {
        w.family(std::string("fulcrum_proxy_") + scope + "_responses_total", PrometheusWriter::Type::counter,
                 "Responses by status class.");
        per_stats(w, s, [&](std::string_view kind, std::string_view owner, std::string_view address, const TrafficStats& t) {
            if (kind != scope) return;
            for (std::size_t i = 0; i < 5; ++i) {
                const auto v = load(t.status_classes[i]);
                if (kind == "listener") w.sample({{"listener", owner}, {"code", classes[i]}}, v);
                else if (kind == "pool") w.sample({{"pool", owner}, {"code", classes[i]}}, v);
                else w.sample({{"pool", owner}, {"server", address}, {"code", classes[i]}}, v);
            }
        });
        w.family(std::string("fulcrum_proxy_") + scope + "_request_duration_seconds", PrometheusWriter::Type::histogram,
                 "Time from request head to the end of the response.");
        per_stats(w, s, [&](std::string_view kind, std::string_view owner, std::string_view address, const TrafficStats& t) {
            if (kind != scope) return;
            const auto counts = t.latency.counts();
            const auto& bounds = LatencyHistogram::kBounds;
            const std::span<const std::uint64_t> all(counts.data(), counts.size());
            if (kind == "listener") w.histogram({{"listener", owner}}, bounds, all, t.latency.sum_seconds());
            else if (kind == "pool") w.histogram({{"pool", owner}}, bounds, all, t.latency.sum_seconds());
            else w.histogram({{"pool", owner}, {"server", address}}, bounds, all, t.latency.sum_seconds());
        });
    }
    w.family("fulcrum_proxy_listener_active_connections", PrometheusWriter::Type::gauge, "Open client connections.");
    for (const auto& l : s.listeners) w.sample({{"listener", std::string_view(l.config.name)}}, static_cast<std::int64_t>(l.stats->active_connections.load()));

    const auto now = pool::now_ms();
    w.family("fulcrum_proxy_pool_in_flight", PrometheusWriter::Type::gauge, "Requests in flight to the pool's servers.");
    for (const auto& p : s.pools) w.sample({{"pool", std::string_view(p->config().name)}}, pool_in_flight(*p));
    using Server = pool::ServerRuntime;
    const auto gauge = PrometheusWriter::Type::gauge;
    per_server(w, s, "fulcrum_proxy_server_in_flight", gauge, "Requests in flight to the server.",
               [](const Server& server) { return server.in_flight.load(std::memory_order_relaxed); });
    per_server(w, s, "fulcrum_proxy_server_up", gauge, "1 when the server may take new requests.",
               [now](const Server& server) { return server.available(now) ? 1 : 0; });
    per_server(w, s, "fulcrum_proxy_server_weight", gauge, "Balancing weight.",
               [](const Server& server) { return server.weight(); });
    per_server(w, s, "fulcrum_proxy_server_backup", gauge, "1 for a backup server (used when no primary is up).",
               [](const Server& server) { return server.backup() ? 1 : 0; });
    per_server(w, s, "fulcrum_proxy_server_healthy", gauge, "1 while active health checks pass (1 without checks).",
               [](const Server& server) { return server.healthy() ? 1 : 0; });
    per_server(w, s, "fulcrum_proxy_server_passive_down", gauge,
               "1 while max_fails failures within fail_timeout keep the server out.",
               [now](const Server& server) { return server.passive_down(now) ? 1 : 0; });
    per_server(w, s, "fulcrum_proxy_server_health_checks_total", PrometheusWriter::Type::counter,
               "Active health checks made.", [](const Server& server) { return server.checks(); });
    w.family("fulcrum_proxy_server_state", PrometheusWriter::Type::gauge, "Administrative state (1 for the current one).");
    for (const auto& p : s.pools) {
        for (const auto& server : p->servers()) {
            for (const auto state : {config::ServerState::active, config::ServerState::draining, config::ServerState::disabled}) {
                w.sample({{"pool", std::string_view(p->config().name)}, {"server", std::string_view(server->address())},
                          {"state", config::to_string(state)}},
                         static_cast<std::int64_t>(server->state() == state ? 1 : 0));
            }
        }
    }
    render_certificates(w, s);
    return w.take();
}

}  // namespace fulcrum::proxy::server
