// The item models under QAbstractItemModelTester: every structural change (rows inserted and
// removed while a group scales, the metric ring dropping its oldest sample) must keep the
// model consistent for views, and the data the pages show must be right.
#include "app/models/config_history_model.h"
#include "app/models/host_list_model.h"
#include "app/models/metric_series_model.h"
#include "app/models/pool_list_model.h"
#include "app/models/pool_server_model.h"
#include "app/models/staged_config.h"
#include "app/models/worker_model.h"

#include <QAbstractItemModelTester>
#include <QJsonDocument>
#include <QSignalSpy>

#include <gtest/gtest.h>

using namespace fulcrum::app;
namespace protocol = fulcrum::protocol;

namespace {

using Tester = QAbstractItemModelTester;
constexpr auto kFatal = QAbstractItemModelTester::FailureReportingMode::Fatal;

QJsonObject parse(const char* text) { return QJsonDocument::fromJson(QByteArray(text)).object(); }

const char* kDoc = R"({
  "listeners": [{"name": "http", "address": "0.0.0.0:8080"}],
  "routes": [{"path_prefix": "/", "pool": "app"}],
  "pools": [
    {"name": "app", "balance": "round_robin", "follow_workers": "web",
     "servers": [{"address": "10.0.0.5:9000", "weight": 2, "state": "active", "backup": false}]},
    {"name": "api", "balance": "least_conn",
     "servers": [{"address": "127.0.0.1:7000", "weight": 1, "state": "active", "backup": false},
                 {"address": "127.0.0.1:7001", "weight": 1, "state": "active", "backup": false}]}
  ]
})";

protocol::WorkerGroupStatus group(const std::string& name, int count, int basePort = 8000) {
    protocol::WorkerGroupStatus g;
    g.name = name;
    g.state = protocol::GroupState::running;
    g.command = "/usr/bin/waitress-serve --port={port} demo_app:app";
    g.desired_count = count;
    for (int i = 0; i < count; ++i) {
        protocol::WorkerInstance w;
        w.index = i;
        w.port = basePort + i;
        w.pid = 1000 + i;
        w.state = protocol::InstanceState::running;
        w.uptime_s = 75;
        w.rss_bytes = 20 * 1024 * 1024;
        w.cpu_percent = 1.5;
        g.instances.push_back(w);
    }
    return g;
}

protocol::MetricsSample metricsAt(std::int64_t ms, double rps) {
    protocol::MetricsSample s;
    s.time_ms = ms;
    s.proxy_running = true;
    protocol::PoolSample pool;
    pool.name = "app";
    pool.traffic.requests_per_s = rps;
    pool.traffic.p50_ms = 2;
    pool.traffic.p99_ms = 9;
    pool.traffic.status_5xx_per_s = 0.5;
    pool.traffic.active_connections = 3;
    protocol::ServerSample server;
    server.address = "127.0.0.1:8000";
    server.state = "active";
    server.traffic.requests_per_s = rps;
    server.traffic.active_connections = 3;
    pool.servers.push_back(server);
    s.pools.push_back(pool);
    return s;
}

}  // namespace

TEST(WorkerModel, ScalesByInsertingAndRemovingInstanceRows) {
    WorkerModel model;
    Tester tester(&model, kFatal);
    model.setGroups({group("web", 4), group("jobs", 1, 9000)});
    ASSERT_EQ(model.rowCount(), 2);
    const QModelIndex web = model.groupIndex(QStringLiteral("web"));
    EXPECT_EQ(model.rowCount(web), 4);
    EXPECT_EQ(web.siblingAtColumn(WorkerModel::StateColumn).data().toString(), QStringLiteral("Running · 4 of 4 running"));
    const QModelIndex second = model.index(1, WorkerModel::NameColumn, web);
    EXPECT_EQ(second.data().toString(), QStringLiteral("#1 · port 8001"));
    EXPECT_EQ(second.data(WorkerModel::GroupRole).toString(), QStringLiteral("web"));
    EXPECT_EQ(second.parent(), web);
    EXPECT_EQ(model.index(1, WorkerModel::UptimeColumn, web).data().toString(), QStringLiteral("75 s"));
    EXPECT_EQ(model.index(1, WorkerModel::MemoryColumn, web).data().toString(), QStringLiteral("20 MiB"));

    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.updateGroup(group("web", 2));
    EXPECT_EQ(model.rowCount(web), 2);
    EXPECT_EQ(removed.count(), 1);
    model.updateGroup(group("web", 6));
    EXPECT_EQ(model.rowCount(web), 6);
    EXPECT_EQ(reset.count(), 0) << "scaling must not reset the view (it would lose the selection)";
    EXPECT_EQ(model.addressesByGroup().value(QStringLiteral("web")).size(), 6);

    model.setGroups({group("jobs", 1, 9000)});
    EXPECT_EQ(model.rowCount(), 1);
    EXPECT_EQ(model.groupNames(), QStringList{QStringLiteral("jobs")});
    model.clear();
    EXPECT_EQ(model.rowCount(), 0);
}

TEST(WorkerModel, StoppedInstanceShowsNoPidOrUptime) {
    WorkerModel model;
    Tester tester(&model, kFatal);
    auto g = group("web", 1);
    g.instances[0].pid = 0;
    g.instances[0].state = protocol::InstanceState::failing;
    g.instances[0].last_exit = protocol::ExitInfo{"exited with status 1", 1, {}, 0, 0.2};
    g.state = protocol::GroupState::failing;
    g.failing_reason = "worker 0 exited 5 times within 10 s";
    model.setGroups({g});
    const QModelIndex web = model.groupIndex(QStringLiteral("web"));
    const QModelIndex w = model.index(0, WorkerModel::PidColumn, web);
    EXPECT_EQ(w.data().toString(), QStringLiteral("—"));
    EXPECT_EQ(w.siblingAtColumn(WorkerModel::StateColumn).data().toString(), QStringLiteral("Failing — gave up"));
    EXPECT_EQ(w.siblingAtColumn(WorkerModel::StateColumn).data(WorkerModel::StateRole).toString(), QStringLiteral("failing"));
    EXPECT_TRUE(w.data(Qt::ToolTipRole).toString().contains(QStringLiteral("status 1")));
    EXPECT_EQ(web.data(Qt::ToolTipRole).toString(), QStringLiteral("worker 0 exited 5 times within 10 s"));
}

TEST(MetricSeriesModel, RingKeepsTheNewestAndWindowsByTime) {
    MetricSeriesModel model(nullptr, 5);
    Tester tester(&model, kFatal);
    for (int i = 0; i < 8; ++i) EXPECT_TRUE(model.append(metricsAt(1000 * (i + 1), i)));
    EXPECT_EQ(model.rowCount(), 5);
    EXPECT_EQ(model.sample(0).msecs, 4000);
    EXPECT_EQ(model.newestMsecs(), 8000);
    EXPECT_FALSE(model.append(metricsAt(8000, 99))) << "a duplicate after a reconnect is dropped";
    EXPECT_FALSE(model.append(metricsAt(7000, 99)));
    const auto last2 = model.points(MetricSeriesModel::RequestsColumn, 2);
    ASSERT_EQ(last2.size(), 3);  // 6 s, 7 s, 8 s: the window is inclusive of its start
    EXPECT_DOUBLE_EQ(last2.back().y(), 7);
    EXPECT_DOUBLE_EQ(last2.back().x(), 8000);
    EXPECT_EQ(model.points(MetricSeriesModel::RequestsColumn, 3600).size(), 5);
    EXPECT_EQ(model.serverKeys(), QStringList{QStringLiteral("app · 127.0.0.1:8000")});
    EXPECT_EQ(model.serverPoints(QStringLiteral("app · 127.0.0.1:8000"), 60).size(), 5);
    EXPECT_DOUBLE_EQ(model.index(4, MetricSeriesModel::P99Column).data().toDouble(), 9);
    EXPECT_DOUBLE_EQ(model.index(4, MetricSeriesModel::Rate5xxColumn).data().toDouble(), 0.5);
}

TEST(MetricSeriesModel, HistoryLoadsTheStoredHourAtOnce) {
    MetricSeriesModel model;
    Tester tester(&model, kFatal);
    std::vector<protocol::MetricsSample> history;
    for (int i = 0; i < 4000; ++i) history.push_back(metricsAt(1000LL * (i + 1), 1));
    model.setHistory(history);
    EXPECT_EQ(model.rowCount(), MetricSeriesModel::kCapacity);
    EXPECT_EQ(model.newestMsecs(), 4000 * 1000LL);
    EXPECT_EQ(model.points(MetricSeriesModel::RequestsColumn, 60).size(), 61);
    EXPECT_EQ(model.points(MetricSeriesModel::RequestsColumn, 600).size(), 601);
    model.clear();
    EXPECT_EQ(model.rowCount(), 0);
    EXPECT_TRUE(model.points(MetricSeriesModel::RequestsColumn, 60).isEmpty());
}

TEST(MetricSeriesModel, TotalsSumPoolsAndWeighLatency) {
    auto s = metricsAt(1000, 30);
    protocol::PoolSample other;
    other.name = "api";
    other.traffic.requests_per_s = 10;
    other.traffic.p50_ms = 10;
    other.traffic.p99_ms = 50;
    s.pools.push_back(other);
    const auto flat = MetricSeriesModel::fromProtocol(s);
    EXPECT_DOUBLE_EQ(flat.values[MetricSeriesModel::RequestsColumn], 40);
    EXPECT_DOUBLE_EQ(flat.values[MetricSeriesModel::P50Column], (2 * 30 + 10 * 10) / 40.0);
    EXPECT_DOUBLE_EQ(flat.values[MetricSeriesModel::P99Column], 50);
}

TEST(PoolModels, ListAndServersFollowTheStagedDocument) {
    StagedConfig config;
    PoolListModel pools(&config);
    PoolServerModel servers(&config);
    Tester t1(&pools, kFatal);
    Tester t2(&servers, kFatal);
    config.setApplied(3, parse(kDoc));
    ASSERT_EQ(pools.rowCount(), 2);
    EXPECT_EQ(pools.index(0).data().toString(), QStringLiteral("app"));
    EXPECT_EQ(pools.index(0).data(PoolListModel::FollowWorkersRole).toString(), QStringLiteral("web"));

    servers.setPool(QStringLiteral("app"));
    EXPECT_EQ(servers.rowCount(), 1);
    WorkerModel workers;
    workers.setGroups({group("web", 4)});
    servers.setWorkerAddresses(workers.addressesByGroup());
    ASSERT_EQ(servers.rowCount(), 5) << "1 listed server + 4 from worker group web";
    EXPECT_FALSE(servers.isFollowed(0));
    EXPECT_TRUE(servers.isFollowed(1));
    EXPECT_EQ(servers.addressAt(1), QStringLiteral("127.0.0.1:8000"));
    EXPECT_FALSE(servers.flags(servers.index(1, PoolServerModel::WeightColumn)) & Qt::ItemIsEditable);
    EXPECT_TRUE(servers.flags(servers.index(0, PoolServerModel::WeightColumn)) & Qt::ItemIsEditable);
    EXPECT_EQ(servers.index(0, PoolServerModel::HealthColumn).data().toString(), QStringLiteral("—"));

    // In-place weight edit: staged, marked, not applied.
    EXPECT_TRUE(servers.setData(servers.index(0, PoolServerModel::WeightColumn), 5));
    EXPECT_EQ(servers.index(0, PoolServerModel::WeightColumn).data().toInt(), 5);
    EXPECT_EQ(servers.index(0, 0).data(PoolServerModel::StagedRole).toString(), QStringLiteral("changed"));
    EXPECT_EQ(config.changeCount(), 1);
    QSignalSpy rejected(&servers, &PoolServerModel::editRejected);
    EXPECT_FALSE(servers.setData(servers.index(0, PoolServerModel::WeightColumn), 5000));
    EXPECT_FALSE(servers.setData(servers.index(1, PoolServerModel::WeightColumn), 2));
    EXPECT_EQ(rejected.count(), 2);

    // Live numbers from a metrics sample.
    servers.setLive(metricsAt(1000, 12.5).pools);
    const int live = servers.rowOf(QStringLiteral("127.0.0.1:8000"));
    EXPECT_EQ(servers.index(live, PoolServerModel::HealthColumn).data().toString(), QStringLiteral("Healthy"));
    EXPECT_EQ(servers.index(live, PoolServerModel::RequestsColumn).data().toString(), QStringLiteral("13"));
    EXPECT_EQ(servers.index(live, PoolServerModel::ConnectionsColumn).data().toLongLong(), 3);

    // Adding a server adds a row; switching pools shows the other pool's servers.
    EXPECT_TRUE(config.addServer(QStringLiteral("app"), QStringLiteral("10.0.0.6:9000"), 1).isEmpty());
    EXPECT_EQ(servers.rowCount(), 6);
    EXPECT_EQ(servers.index(1, 0).data(PoolServerModel::StagedRole).toString(), QStringLiteral("added"));
    servers.setPool(QStringLiteral("api"));
    EXPECT_EQ(servers.rowCount(), 2);
    config.discard();
    servers.setPool(QStringLiteral("app"));
    EXPECT_EQ(servers.rowCount(), 5);
    EXPECT_EQ(servers.index(0, PoolServerModel::WeightColumn).data().toInt(), 2);
}

TEST(ConfigHistoryModel, MarksTheRunningVersion) {
    ConfigHistoryModel model;
    Tester tester(&model, kFatal);
    protocol::ConfigHistoryResult history;
    history.current_version = 7;
    history.entries = {{7, 1700000000000, "weight of 127.0.0.1:8001 → 3", 900, "ab"}, {6, 1699999000000, "", 880, "cd"}};
    model.setHistory(history);
    ASSERT_EQ(model.rowCount(), 2);
    EXPECT_TRUE(model.index(0, 0).data(ConfigHistoryModel::CurrentRole).toBool());
    EXPECT_EQ(model.index(0, 0).data().toString(), QStringLiteral("v7 · running"));
    EXPECT_EQ(model.index(1, ConfigHistoryModel::CommentColumn).data().toString(), QStringLiteral("(no comment)"));
    EXPECT_EQ(model.versionAt(1), 6);
    EXPECT_EQ(model.versionAt(2), 0);
}

TEST(HostListModel, AddsUpdatesAndRemovesHosts) {
    HostListModel model;
    Tester tester(&model, kFatal);
    model.addHost({QStringLiteral("local"), QStringLiteral("This computer"), QString(), HostConnectionState::Disconnected,
                   QString(), true});
    model.addHost({QStringLiteral("web1"), QStringLiteral("web1"), QStringLiteral("deploy@web1"),
                   HostConnectionState::Disconnected, QString(), false});
    model.setState(QStringLiteral("web1"), HostConnectionState::Connected, QStringLiteral("agent 0.1.0"));
    EXPECT_EQ(model.connectedCount(), 1);
    EXPECT_EQ(model.index(1).data(HostListModel::StateRole).toInt(), int(HostConnectionState::Connected));
    EXPECT_EQ(model.index(1).data(HostListModel::DetailRole).toString(), QStringLiteral("agent 0.1.0"));
    EXPECT_EQ(model.index(1).data(Qt::UserRole + 1).toString(), QStringLiteral("web1"));
    EXPECT_TRUE(model.removeHost(QStringLiteral("web1")));
    EXPECT_FALSE(model.removeHost(QStringLiteral("web1")));
    EXPECT_EQ(model.rowCount(), 1);
}
