// The staged config: edits change only the staged copy, the human diff names each change the
// way the user made it, discard restores the applied copy, and documents survive the trip
// between the protocol's JSON and Qt's unchanged (integers stay integers).
#include "app/models/config_diff.h"
#include "app/models/json_bridge.h"
#include "app/models/staged_config.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>

#include <gtest/gtest.h>

using namespace fulcrum::app;

namespace {

QJsonObject parse(const char* text) { return QJsonDocument::fromJson(QByteArray(text)).object(); }

const char* kDoc = R"({
  "threads": "auto",
  "listeners": [{"name": "http", "address": "0.0.0.0:8080"}],
  "routes": [{"path_prefix": "/static/", "static": {"root": "/srv/static"}}, {"path_prefix": "/", "pool": "app"}],
  "pools": [{"name": "app", "balance": "round_robin",
             "servers": [{"address": "127.0.0.1:8000", "weight": 1, "state": "active", "backup": false},
                         {"address": "127.0.0.1:8001", "weight": 1, "state": "active", "backup": false}],
             "health": {"path": "/healthz", "interval_ms": 2000, "timeout_ms": 1000}}],
  "workers": [{"name": "web", "command": ["/usr/bin/waitress-serve", "--port={port}", "demo_app:app"],
               "count": 4, "base_port": 8000}]
})";

QStringList descriptions(const QList<ConfigChange>& changes) {
    QStringList out;
    for (const auto& c : changes) out << c.description;
    return out;
}

}  // namespace

TEST(JsonBridge, RoundTripsKeepingIntegers) {
    const QJsonObject doc = parse(kDoc);
    const nlohmann::json n = toNlohmann(doc);
    EXPECT_TRUE(n["pools"][0]["servers"][0]["weight"].is_number_integer());
    EXPECT_TRUE(n["pools"][0]["health"]["interval_ms"].is_number_integer());
    EXPECT_EQ(n["threads"], "auto");
    EXPECT_EQ(toQtObject(n), doc);
    EXPECT_TRUE(toNlohmann(QJsonValue(2.5)).is_number_float());
    EXPECT_EQ(toQtObject(nlohmann::json::array()), QJsonObject());
    EXPECT_EQ(toQt(nlohmann::json(std::uint64_t(5))).toInteger(), 5);
}

TEST(ConfigDiff, NamesEachChangeInWords) {
    const QJsonObject before = parse(kDoc);
    QJsonObject after = before;
    QJsonArray pools = after["pools"].toArray();
    QJsonObject app = pools[0].toObject();
    QJsonArray servers = app["servers"].toArray();
    QJsonObject s1 = servers[1].toObject();
    s1["weight"] = 3;
    servers[1] = s1;
    servers.removeAt(0);
    servers.append(QJsonObject{{"address", "127.0.0.1:8002"}, {"weight", 2}, {"state", "draining"}, {"backup", false}});
    app["servers"] = servers;
    app["balance"] = "least_conn";
    QJsonObject health = app["health"].toObject();
    health["interval_ms"] = 5000;
    app["health"] = health;
    pools[0] = app;
    after["pools"] = pools;
    after["threads"] = 4;

    const QStringList lines = descriptions(diffConfigs(before, after));
    EXPECT_TRUE(lines.contains(QStringLiteral("Pool “app”: remove server 127.0.0.1:8000"))) << lines.join('\n').toStdString();
    EXPECT_TRUE(lines.contains(QStringLiteral("Pool “app”: add server 127.0.0.1:8002 (weight 2, draining)")))
        << lines.join('\n').toStdString();
    EXPECT_TRUE(lines.contains(QStringLiteral("Pool “app”, server 127.0.0.1:8001: weight 1 → 3")))
        << lines.join('\n').toStdString();
    EXPECT_TRUE(lines.contains(QStringLiteral("Pool “app”: balance “round_robin” → “least_conn”")))
        << lines.join('\n').toStdString();
    EXPECT_TRUE(lines.contains(QStringLiteral("Pool “app”: health.interval_ms 2000 → 5000"))) << lines.join('\n').toStdString();
    EXPECT_TRUE(lines.contains(QStringLiteral("threads “auto” → 4"))) << lines.join('\n').toStdString();
    EXPECT_EQ(lines.size(), 6) << lines.join('\n').toStdString();
    EXPECT_TRUE(diffConfigs(before, before).isEmpty());
}

TEST(ConfigDiff, RouteOrderMatters) {
    const QJsonObject before = parse(kDoc);
    QJsonObject after = before;
    QJsonArray routes = after["routes"].toArray();
    const QJsonValue first = routes[0];
    routes[0] = routes[1];
    routes[1] = first;
    after["routes"] = routes;
    const auto changes = diffConfigs(before, after);
    ASSERT_EQ(changes.size(), 1);
    EXPECT_TRUE(changes[0].description.startsWith(QStringLiteral("routes reordered"))) << changes[0].description.toStdString();
}

TEST(StagedConfig, EditsStayStagedUntilDiscarded) {
    StagedConfig config;
    QSignalSpy staged(&config, &StagedConfig::stagedChanged);
    config.setApplied(4, parse(kDoc));
    EXPECT_TRUE(config.isLoaded());
    EXPECT_EQ(config.appliedVersion(), 4);
    EXPECT_FALSE(config.hasChanges());

    EXPECT_EQ(config.setServerWeight("app", "127.0.0.1:8001", 3), QString());
    EXPECT_EQ(config.setServerState("app", {"127.0.0.1:8000"}, "draining"), QString());
    EXPECT_EQ(config.addServer("app", "[::1]:8005", 1), QString());
    EXPECT_EQ(config.changeCount(), 3);
    EXPECT_EQ(config.applied(), parse(kDoc)) << "the applied copy never changes by editing";

    EXPECT_FALSE(config.addServer("app", "127.0.0.1:8001", 1).isEmpty()) << "duplicate";
    EXPECT_FALSE(config.addServer("app", "no-port", 1).isEmpty());
    EXPECT_FALSE(config.addServer("app", "host:70000", 1).isEmpty());
    EXPECT_FALSE(config.addServer("nope", "127.0.0.1:1", 1).isEmpty());
    EXPECT_FALSE(config.setServerState("app", {"127.0.0.1:8000"}, "sleeping").isEmpty());
    EXPECT_FALSE(config.setServerWeight("app", "127.0.0.1:9999", 1).isEmpty());
    EXPECT_FALSE(config.setServerWeight("app", "127.0.0.1:8001", -1).isEmpty());
    EXPECT_EQ(config.changeCount(), 3) << "refused edits change nothing";

    EXPECT_EQ(config.removeServers("app", {"[::1]:8005", "127.0.0.1:8000"}), QString());
    EXPECT_EQ(config.pool("app")["servers"].toArray().size(), 1);

    config.discard();
    EXPECT_FALSE(config.hasChanges());
    EXPECT_EQ(config.staged(), config.applied());
    EXPECT_GE(staged.count(), 5);
}

TEST(StagedConfig, PoolSettingsWriteOnlyWhatChanged) {
    StagedConfig config;
    config.setApplied(1, parse(kDoc));
    PoolSettings s = StagedConfig::poolSettings(config.pool("app"));
    EXPECT_EQ(s.balance, QStringLiteral("round_robin"));
    EXPECT_EQ(s.healthPath, QStringLiteral("/healthz"));
    EXPECT_EQ(config.setPoolSettings("app", s), QString());
    EXPECT_FALSE(config.hasChanges()) << "re-saving the same settings changes nothing";
    EXPECT_FALSE(config.pool("app").contains("max_fails")) << "defaults never chosen are not written";

    s.balance = "least_conn";
    s.maxFails = 5;
    EXPECT_EQ(config.setPoolSettings("app", s), QString());
    EXPECT_EQ(config.pool("app")["balance"].toString(), QStringLiteral("least_conn"));
    EXPECT_EQ(config.pool("app")["max_fails"].toInt(), 5);
    EXPECT_EQ(config.changeCount(), 2);

    s.healthPath.clear();
    EXPECT_EQ(config.setPoolSettings("app", s), QString());
    EXPECT_FALSE(config.pool("app").contains("health")) << "no path: no active checks";
    s.healthPath = "healthz";
    EXPECT_FALSE(config.setPoolSettings("app", s).isEmpty());
}

TEST(StagedConfig, NewAppliedVersionKeepsStagedEdits) {
    StagedConfig config;
    config.setApplied(1, parse(kDoc));
    ASSERT_EQ(config.setServerWeight("app", "127.0.0.1:8001", 9), QString());
    QJsonObject other = parse(kDoc);
    other["threads"] = 2;
    config.setApplied(2, other);
    EXPECT_EQ(config.appliedVersion(), 2);
    EXPECT_TRUE(config.hasChanges()) << "an edit in progress is not thrown away by someone else's apply";

    StagedConfig idle;
    idle.setApplied(1, parse(kDoc));
    idle.setApplied(2, other);
    EXPECT_EQ(idle.staged(), other) << "with nothing staged the staged copy follows the host";
}

TEST(StagedConfig, HostOperationsWithoutABackendSayWhy) {
    StagedConfig config;
    QSignalSpy failed(&config, &StagedConfig::operationFailed);
    config.apply();
    config.validate();
    config.reload();
    ASSERT_EQ(failed.count(), 3);
    EXPECT_TRUE(failed[0][0].toString().contains(QStringLiteral("not connected")));
    EXPECT_FALSE(config.isBusy());
}
