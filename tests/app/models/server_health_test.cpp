// The one reading of a pool server's health word from the agent's samples: the words the
// agent really sends ("active", "draining", "disabled", "down") and anything else.
#include "app/models/server_health.h"

#include <gtest/gtest.h>

using namespace fulcrum::app;
namespace protocol = fulcrum::protocol;

namespace {

protocol::PoolSample pool(const char* name, std::initializer_list<const char*> states) {
    protocol::PoolSample p;
    p.name = name;
    int port = 8000;
    for (const char* state : states) {
        protocol::ServerSample s;
        s.address = "127.0.0.1:" + std::to_string(port++);
        s.state = state;
        p.servers.push_back(s);
    }
    return p;
}

}  // namespace

TEST(ServerHealth, ReadsTheAgentsWords) {
    EXPECT_EQ(serverHealth(QStringLiteral("active")), ServerHealth::Healthy);
    EXPECT_EQ(serverHealth(QStringLiteral("draining")), ServerHealth::Healthy);
    EXPECT_EQ(serverHealth(QStringLiteral("down")), ServerHealth::Down);
    EXPECT_EQ(serverHealth(QStringLiteral("disabled")), ServerHealth::Disabled);
    // "up" was never sent: the Overview counted it and showed "0 of 4" next to a healthy pool.
    EXPECT_EQ(serverHealth(QStringLiteral("up")), ServerHealth::Unknown);
    EXPECT_EQ(serverHealth(QString()), ServerHealth::Unknown);
    EXPECT_EQ(serverHealthText(ServerHealth::Healthy), QStringLiteral("Healthy"));
    EXPECT_EQ(serverHealthText(ServerHealth::Unknown), QStringLiteral("—"));
}

TEST(ServerHealth, CountsEveryPoolAndLeavesDisabledServersOut) {
    const auto count = countServerHealth({pool("app", {"active", "active", "down", "disabled"}),
                                          pool("api", {"draining", "something-new"})});
    EXPECT_EQ(count.healthy, 3);
    // An unknown word is counted as not healthy: the Overview must not claim more than it knows.
    EXPECT_EQ(count.total, 5);
    EXPECT_EQ(countServerHealth({}).total, 0);
}
