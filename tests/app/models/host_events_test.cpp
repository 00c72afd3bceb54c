// The Overview's recent events from what the panel already receives: the first look is the
// baseline (no event for what was already so), then worker restarts, group and server changes,
// the proxy stopping and starting, applied versions; newest first, bounded.
#include "app/models/host_events.h"

#include <QAbstractItemModelTester>

#include <gtest/gtest.h>

using namespace fulcrum::app;
namespace protocol = fulcrum::protocol;

namespace {

protocol::WorkerGroupStatus group(protocol::GroupState state, int restarts, std::optional<int> signal = {}) {
    protocol::WorkerGroupStatus g;
    g.name = "web";
    g.state = state;
    protocol::WorkerInstance w;
    w.index = 1;
    w.port = 8001;
    w.restarts = restarts;
    if (restarts > 0) {
        w.last_exit = protocol::ExitInfo{};
        w.last_exit->signal = signal;
        w.last_exit->exit_code = signal ? std::nullopt : std::optional<int>(3);
        w.last_exit->at_ms = 5000;
    }
    g.instances.push_back(w);
    return g;
}

protocol::MetricsSample sample(qint64 at, bool proxy, const char* state) {
    protocol::MetricsSample s;
    s.time_ms = at;
    s.proxy_running = proxy;
    protocol::PoolSample pool;
    pool.name = "app";
    protocol::ServerSample server;
    server.address = "127.0.0.1:8001";
    server.state = state;
    pool.servers.push_back(server);
    s.pools.push_back(pool);
    return s;
}

}  // namespace

TEST(HostEvents, TheFirstLookIsTheBaseline) {
    HostEvents events;
    QAbstractItemModelTester tester(&events, QAbstractItemModelTester::FailureReportingMode::Fatal);
    events.noteWorkers({group(protocol::GroupState::failing, 7)}, 1000);
    events.noteSample(sample(1000, false, "down"));
    events.noteConfigVersion(12, 1000);
    EXPECT_EQ(events.rowCount(), 0);
}

TEST(HostEvents, SaysWhatChangedNewestFirst) {
    HostEvents events;
    QAbstractItemModelTester tester(&events, QAbstractItemModelTester::FailureReportingMode::Fatal);
    events.noteWorkers({group(protocol::GroupState::running, 0)}, 1000);
    events.noteSample(sample(1000, true, "active"));
    events.noteConfigVersion(3, 1000);

    events.noteWorkers({group(protocol::GroupState::running, 1, 9)}, 6000);
    ASSERT_EQ(events.rowCount(), 1);
    EXPECT_EQ(events.eventAt(0).text, QStringLiteral("Worker web #1 (port 8001) exited (killed by signal 9) and was restarted"));
    EXPECT_EQ(events.eventAt(0).msecs, 5000);  // the agent's time of the exit
    EXPECT_EQ(events.eventAt(0).level, HostEvents::Level::Warning);

    events.noteSample(sample(7000, true, "down"));
    events.noteSample(sample(8000, false, "down"));
    events.noteSample(sample(9000, true, "active"));
    events.noteConfigVersion(4, 10000);
    events.noteWorkers({group(protocol::GroupState::failing, 2)}, 11000);
    QStringList texts;
    for (int row = 0; row < events.rowCount(); ++row) texts << events.eventAt(row).text;
    EXPECT_EQ(texts, (QStringList{
                         QStringLiteral("Worker web #1 (port 8001) exited (exit code 3) and was restarted"),
                         QStringLiteral("Workers \"web\" are failing"),
                         QStringLiteral("Configuration version 4 applied"),
                         QStringLiteral("Server app · 127.0.0.1:8001 is healthy again"),
                         QStringLiteral("The proxy is running again"),
                         QStringLiteral("The proxy stopped"),
                         QStringLiteral("Server app · 127.0.0.1:8001 is down (out of rotation)"),
                         QStringLiteral("Worker web #1 (port 8001) exited (killed by signal 9) and was restarted"),
                     }));
    // Shown with its time of day.
    EXPECT_TRUE(events.data(events.index(1), Qt::DisplayRole).toString().endsWith(QStringLiteral("  Workers \"web\" are failing")));
    EXPECT_EQ(events.data(events.index(1), HostEvents::LevelRole).toInt(), int(HostEvents::Level::Error));
}

// The demo's proxy is first seen before it started, its servers before their first health
// check: "again" would claim a stop nobody saw.
TEST(HostEvents, AgainOnlyAfterAStopThePanelSaw) {
    HostEvents events;
    events.noteSample(sample(1000, false, "down"));
    events.noteSample(sample(2000, true, "down"));
    events.noteSample(sample(3000, true, "active"));
    QStringList texts;
    for (int row = 0; row < events.rowCount(); ++row) texts << events.eventAt(row).text;
    EXPECT_EQ(texts, (QStringList{QStringLiteral("Server app · 127.0.0.1:8001 is healthy"), QStringLiteral("The proxy started")}));

    // Seen stopping and falling, then coming back: now it is "again" — also across a reconnection.
    events.noteSample(sample(4000, false, "down"));
    events.forgetBaseline();
    events.noteSample(sample(5000, false, "down"));
    events.noteSample(sample(6000, true, "active"));
    EXPECT_EQ(events.eventAt(0).text, QStringLiteral("Server app · 127.0.0.1:8001 is healthy again"));
    EXPECT_EQ(events.eventAt(1).text, QStringLiteral("The proxy is running again"));
    // Healthy since: the next fall and rise are "again" only because they are seen too.
    events.noteSample(sample(7000, true, "down"));
    events.noteSample(sample(8000, true, "active"));
    EXPECT_EQ(events.eventAt(0).text, QStringLiteral("Server app · 127.0.0.1:8001 is healthy again"));
}

TEST(HostEvents, AfterAReconnectionStartsOver) {
    HostEvents events;
    events.noteWorkers({group(protocol::GroupState::running, 0)}, 1000);
    events.forgetBaseline();
    // What happened while nobody watched is not made up as an event.
    events.noteWorkers({group(protocol::GroupState::running, 4)}, 2000);
    EXPECT_EQ(events.rowCount(), 0);
}

TEST(HostEvents, KeepsOnlyTheNewest) {
    HostEvents events;
    QAbstractItemModelTester tester(&events, QAbstractItemModelTester::FailureReportingMode::Fatal);
    for (int i = 0; i < HostEvents::kMaxEvents + 20; ++i) events.add(HostEvents::Level::Info, QString::number(i), i);
    ASSERT_EQ(events.rowCount(), HostEvents::kMaxEvents);
    EXPECT_EQ(events.eventAt(0).text, QString::number(HostEvents::kMaxEvents + 19));
    EXPECT_EQ(events.eventAt(HostEvents::kMaxEvents - 1).text, QStringLiteral("20"));
}
