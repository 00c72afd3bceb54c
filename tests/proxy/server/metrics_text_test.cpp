// The admin `stats` answer and the Prometheus text side by side: every field of stats is
// either a series (with the same value) or named here as text with the reason, and every
// family in the text comes from one of them. A counter added to one and forgotten in the
// other fails this test, whichever side it was added to.
#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "proxy/server/admin_handler.h"
#include "proxy_fixture.h"
#include "test_child.h"
#include "tls_test_support.h"

using namespace fulcrum::proxy::testing;
using fulcrum::proxy::server::handle_admin_line;
using nlohmann::json;

namespace {

enum class Kind {
    value,      // one sample with the scope's labels, equal to the stats number (bools as 0/1)
    present,    // one sample with the scope's labels (a gauge that moves by itself)
    per_code,   // stats {"1xx": n, ...} -> samples with code="1xx"...
    per_state,  // stats "active" -> samples with state="...", 1 for the current one
    histogram,  // stats quantiles -> FAMILY_count with the scope's labels
    info,       // text -> label LABEL="value" on an info series of the scope
    label,      // the scope's own label (listener, pool, server)
    text,       // not a number; in stats only, reason given
};

struct Mapping {
    const char* stats_path;  // "[]" for array elements
    Kind kind;
    const char* family;  // or the reason, for text
    const char* label = "";
};

// The one list. A new stats field needs a line here, and so a series in render_metrics.
const Mapping kMappings[] = {
    {"threads", Kind::value, "fulcrum_proxy_threads"},
    {"connections", Kind::present, "fulcrum_proxy_connections"},
    {"access_log.enabled", Kind::value, "fulcrum_proxy_access_log_enabled"},
    {"access_log.lines_dropped", Kind::value, "fulcrum_proxy_access_log_dropped_lines_total"},
    {"access_log.last_error", Kind::text, "a message for people; the dropped-lines counter is what to alert on"},

    {"listeners[].name", Kind::label, "listener"},
    {"listeners[].address", Kind::info, "fulcrum_proxy_listener_info", "address"},
    {"listeners[].tls", Kind::info, "fulcrum_proxy_listener_info", "tls"},
    {"listeners[].bound", Kind::text, "the port a :0 listener got; known only under the control lock"},
    {"listeners[].certificates", Kind::present, "fulcrum_tls_certificate_expiry_timestamp_seconds"},
    {"listeners[].requests", Kind::value, "fulcrum_proxy_listener_requests_total"},
    {"listeners[].status", Kind::per_code, "fulcrum_proxy_listener_responses_total"},
    {"listeners[].bytes_in", Kind::value, "fulcrum_proxy_listener_received_bytes_total"},
    {"listeners[].bytes_out", Kind::value, "fulcrum_proxy_listener_sent_bytes_total"},
    {"listeners[].retries", Kind::value, "fulcrum_proxy_listener_retries_total"},
    {"listeners[].failures", Kind::value, "fulcrum_proxy_listener_failures_total"},
    {"listeners[].active_connections", Kind::present, "fulcrum_proxy_listener_active_connections"},
    {"listeners[].latency_ms", Kind::histogram, "fulcrum_proxy_listener_request_duration_seconds"},

    {"pools[].name", Kind::label, "pool"},
    {"pools[].balance", Kind::info, "fulcrum_proxy_pool_info", "balance"},
    {"pools[].requests", Kind::value, "fulcrum_proxy_pool_requests_total"},
    {"pools[].status", Kind::per_code, "fulcrum_proxy_pool_responses_total"},
    {"pools[].bytes_in", Kind::value, "fulcrum_proxy_pool_received_bytes_total"},
    {"pools[].bytes_out", Kind::value, "fulcrum_proxy_pool_sent_bytes_total"},
    {"pools[].retries", Kind::value, "fulcrum_proxy_pool_retries_total"},
    {"pools[].failures", Kind::value, "fulcrum_proxy_pool_failures_total"},
    {"pools[].in_flight", Kind::present, "fulcrum_proxy_pool_in_flight"},
    {"pools[].latency_ms", Kind::histogram, "fulcrum_proxy_pool_request_duration_seconds"},

    {"pools[].servers[].address", Kind::label, "server"},
    {"pools[].servers[].state", Kind::per_state, "fulcrum_proxy_server_state"},
    {"pools[].servers[].weight", Kind::value, "fulcrum_proxy_server_weight"},
    {"pools[].servers[].backup", Kind::value, "fulcrum_proxy_server_backup"},
    {"pools[].servers[].in_flight", Kind::present, "fulcrum_proxy_server_in_flight"},
    {"pools[].servers[].healthy", Kind::value, "fulcrum_proxy_server_healthy"},
    {"pools[].servers[].passive_down", Kind::value, "fulcrum_proxy_server_passive_down"},
    {"pools[].servers[].available", Kind::value, "fulcrum_proxy_server_up"},
    {"pools[].servers[].health_checks", Kind::value, "fulcrum_proxy_server_health_checks_total"},
    {"pools[].servers[].requests", Kind::value, "fulcrum_proxy_server_requests_total"},
    {"pools[].servers[].status", Kind::per_code, "fulcrum_proxy_server_responses_total"},
    {"pools[].servers[].bytes_in", Kind::value, "fulcrum_proxy_server_received_bytes_total"},
    {"pools[].servers[].bytes_out", Kind::value, "fulcrum_proxy_server_sent_bytes_total"},
    {"pools[].servers[].retries", Kind::value, "fulcrum_proxy_server_retries_total"},
    {"pools[].servers[].failures", Kind::value, "fulcrum_proxy_server_failures_total"},
    {"pools[].servers[].latency_ms", Kind::histogram, "fulcrum_proxy_server_request_duration_seconds"},
};

// Families with no stats field of their own: the other certificate series (the expiry one
// stands for `certificates` above).
const std::set<std::string> kMetricsOnly = {"fulcrum_tls_certificate_not_before_timestamp_seconds",
                                            "fulcrum_tls_certificate_info"};

const Mapping* mapping_for(const std::string& path) {
    for (const auto& m : kMappings) {
        if (path == m.stats_path) return &m;
    }
    return nullptr;
}

// Stops at the mapped level: status, latency_ms and certificates are checked as a whole.
bool is_leaf(const std::string& path, const json& value) {
    if (const auto* m = mapping_for(path)) return m->kind != Kind::label || !value.is_structured();
    return !value.is_structured();
}

class MetricsText : public ProxyFixture {
protected:
    json admin(const json& request) { return json::parse(handle_admin_line(*proxy, request.dump())); }

    // The series prefix for a scope's labels, as the writer prints them.
    static std::string series(const std::string& family, const std::string& labels) {
        return labels.empty() ? family : family + "{" + labels + "}";
    }
    static std::string with(const std::string& labels, const std::string& name, const std::string& value) {
        return labels + (labels.empty() ? "" : ",") + name + "=\"" + value + "\"";
    }
    static std::string number(const json& value) {
        if (value.is_boolean()) return value.get<bool>() ? "1" : "0";
        return value.dump();
    }

    bool has_line(const std::string& line) const { return m_lines.count(line) > 0; }
    bool has_prefix(const std::string& prefix, const std::string& containing = {}) const {
        for (const auto& line : m_lines) {
            if (line.rfind(prefix, 0) == 0 && line.find(containing) != std::string::npos) return true;
        }
        return false;
    }

    void check(const std::string& path, const json& value, const std::string& labels) {
        const auto* m = mapping_for(path);
        if (!m) {
            ADD_FAILURE() << "stats field '" << path << "' (" << value.dump()
                          << ") has no Prometheus series: add one in proxy/server/metrics_text.cpp and a line in kMappings";
            return;
        }
        m_claimed.insert(m->family);
        const std::string family = m->family;
        switch (m->kind) {
            case Kind::value:
                EXPECT_TRUE(has_line(series(family, labels) + " " + number(value)))
                    << path << " = " << value.dump() << ": no line '" << series(family, labels) << " " << number(value) << "'";
                break;
            case Kind::present:
                EXPECT_TRUE(has_prefix(labels.empty() ? family + " " : family + "{" + labels))
                    << path << ": no series " << series(family, labels);
                break;
            case Kind::per_code:
                for (const auto& [code, count] : value.items()) {
                    EXPECT_TRUE(has_line(series(family, with(labels, "code", code)) + " " + number(count))) << path << "." << code;
                }
                break;
            case Kind::per_state:
                EXPECT_TRUE(has_line(series(family, with(labels, "state", value.get<std::string>())) + " 1")) << path;
                break;
            case Kind::histogram:
                EXPECT_TRUE(has_prefix(series(family + "_count", labels) + " ")) << path;
                break;
            case Kind::info:
                EXPECT_TRUE(has_prefix(family + "{" + labels + ",",
                                       std::string(m->label) + "=\"" +
                                           (value.is_string() ? value.get<std::string>() : value.dump()) + "\""))
                    << path << " = " << value.dump() << ": no " << family << " with " << m->label;
                break;
            case Kind::label:
            case Kind::text: break;
        }
    }

    void walk(const json& node, const std::string& path, const std::string& labels) {
        if (!path.empty() && is_leaf(path, node)) {
            check(path, node, labels);
            return;
        }
        if (node.is_object()) {
            for (const auto& [key, child] : node.items()) walk(child, path.empty() ? key : path + "." + key, labels);
            return;
        }
        for (const auto& element : node) {
            // The element's own label: what Prometheus series of that scope carry.
            std::string scoped = labels;
            if (path == "listeners") scoped = with(labels, "listener", element.value("name", ""));
            if (path == "pools") scoped = with(labels, "pool", element.value("name", ""));
            if (path == "pools[].servers") scoped = with(labels, "server", element.value("address", ""));
            walk(element, path + "[]", scoped);
        }
    }

    void read_metrics(const std::string& text) {
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("# TYPE ", 0) == 0) {
                const auto name = line.substr(7, line.find(' ', 7) - 7);
                const auto type = line.substr(line.rfind(' ') + 1);
                m_families.insert(name);
                // The conventions: counters end in _total, nothing else does; base units.
                EXPECT_EQ(type == "counter", name.ends_with("_total")) << line;
                EXPECT_EQ(name.find("_ms"), std::string::npos) << line;
                EXPECT_TRUE(name.rfind("fulcrum_proxy_", 0) == 0 || name.rfind("fulcrum_tls_", 0) == 0) << line;
            } else if (!line.empty() && line[0] != '#') {
                m_lines.insert(line);
            }
        }
    }

    std::set<std::string> m_lines;
    std::set<std::string> m_families;
    std::set<std::string> m_claimed;
};

TEST_F(MetricsText, EveryStatsFieldIsASeriesWithTheSameValueAndNoSeriesIsUnaccounted) {
    fulcrum::proxy::tls::testing::TempDir dir;
    const auto files = fulcrum::proxy::tls::testing::write_self_signed(dir.path(), "site", {"localhost"});
    add_upstreams(2);
    json config = pool_config({{"name", "app"}, {"balance", "least_conn"}, {"servers", servers_json({1, 3})}});
    config["pools"][0]["servers"][1]["backup"] = true;
    config["listeners"].push_back({{"name", "https"},
                                   {"address", "127.0.0.1:" + std::to_string(free_port())},
                                   {"tls", {{"certificates", {{{"cert", files.cert_path}, {"key", files.key_path}}}}}}});
    config["access_log"] = {{"path", dir.path() + "/access.log"}};
    start(config);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(http_get(port, "/").status, 200);
    EXPECT_EQ(http_get(port, "/", "Host: y\r\n").status, 400);  // duplicate Host: a 4xx of the listener's own

    // A response's bytes are counted when the proxy's write completes, which can be after the
    // client has read them (seen under ASan): compare a stats answer and the metrics text only
    // when a second stats answer after the metrics shows nothing moved in between.
    json stats, metrics;
    for (int attempt = 0;; ++attempt) {
        stats = admin({{"command", "stats"}});
        ASSERT_TRUE(stats["ok"].get<bool>()) << stats.dump();
        metrics = admin({{"command", "metrics"}});
        ASSERT_TRUE(metrics["ok"].get<bool>());
        const auto again = admin({{"command", "stats"}});
        if (again["stats"]["listeners"] == stats["stats"]["listeners"] && again["stats"]["pools"] == stats["stats"]["pools"]) break;
        ASSERT_LT(attempt, 50) << "the proxy's counters kept moving with no traffic: " << again.dump();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    read_metrics(metrics["text"].get<std::string>());
    // The traffic above is in both, so equal values mean equal numbers, not two zeros.
    ASSERT_EQ(stats["stats"]["listeners"][0]["requests"], 6) << stats.dump();
    ASSERT_TRUE(has_line("fulcrum_proxy_listener_requests_total{listener=\"http\"} 6"));

    walk(stats["stats"], "", "");
    for (const auto& family : m_families) {
        EXPECT_TRUE(m_claimed.count(family) || kMetricsOnly.count(family))
            << "Prometheus family " << family << " matches no stats field: add the field to the admin stats answer "
            << "(ProxyServer::stats) and a line in kMappings";
    }
    // Every mapping was met at least once, so the lists cannot rot with names that no longer exist.
    for (const auto& m : kMappings) {
        if (m.kind == Kind::label || m.kind == Kind::text) continue;
        EXPECT_TRUE(m_claimed.count(m.family)) << m.stats_path << " is in kMappings but not in stats";
    }
}

}  // namespace
