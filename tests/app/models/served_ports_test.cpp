// What the Stop the demo confirmation names: the ports of the config the host runs.
#include "app/models/served_ports.h"

#include <QJsonDocument>

#include <gtest/gtest.h>

using namespace fulcrum::app;

namespace {
QJsonObject parse(const char* text) { return QJsonDocument::fromJson(QByteArray(text)).object(); }
}  // namespace

TEST(ServedPorts, ListenersMetricsAndWorkersInRuns) {
    const QJsonObject config = parse(R"({
      "listeners": [{"name": "http", "address": "0.0.0.0:9080"}, {"name": "https", "address": "[::]:9443"}],
      "metrics_listener": "127.0.0.1:9113",
      "workers": [{"name": "web", "count": 3, "base_port": 9000}, {"name": "api", "ports": [9100, 9003]}]
    })");
    EXPECT_EQ(servedPorts(config), (QList<int>{9000, 9001, 9002, 9003, 9080, 9100, 9113, 9443}));
    EXPECT_EQ(describePorts(servedPorts(config)), QStringLiteral("9000–9003, 9080, 9100, 9113 and 9443"));
}

TEST(ServedPorts, FewPortsReadAsASentence) {
    EXPECT_EQ(describePorts({}), QString());
    EXPECT_EQ(describePorts({8080}), QStringLiteral("8080"));
    EXPECT_EQ(describePorts({8080, 8443}), QStringLiteral("8080 and 8443"));
    EXPECT_EQ(describePorts({8000, 8001}), QStringLiteral("8000–8001"));
}

TEST(ServedPorts, MalformedEntriesAreSkippedNotGuessed) {
    const QJsonObject config = parse(R"({
      "listeners": [{"address": "no-port"}, {"address": "1.2.3.4:99999"}, {"address": 80}, "x", {"address": "h:8080"}],
      "metrics_listener": ":abc",
      "workers": [{"count": 1000000000, "base_port": 65534}, {"count": -3, "base_port": 10}, {"ports": ["1", 0, 70000, 5]}]
    })");
    EXPECT_EQ(servedPorts(config), (QList<int>{5, 8080, 65534, 65535}));
    EXPECT_TRUE(servedPorts(QJsonObject()).isEmpty());
}
