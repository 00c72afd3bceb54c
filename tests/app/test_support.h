#pragma once
// Small helpers shared by the app/ integration tests.

#include "app/rpc/host_endpoint.h"
#include "app/ssh/ssh_target.h"
#include "tests/support/sshd_fixture.h"

#include <QDeadlineTimer>
#include <QTest>

namespace fulcrum::app::test {

// Spins the event loop until done() or the deadline; returns done().
template <class F>
bool waitUntil(F done, int ms = 20000) {
    QDeadlineTimer deadline(ms);
    while (!done() && !deadline.hasExpired()) QTest::qWait(10);
    return done();
}

// Session timings short enough that heartbeats, drops and reconnects happen within a test.
inline SessionTimings fastSessionTimings() {
    SessionTimings t;
    t.helloTimeout = std::chrono::seconds(10);
    t.heartbeatInterval = std::chrono::milliseconds(500);
    t.heartbeatTimeout = std::chrono::seconds(3);
    t.reconnectInitial = std::chrono::milliseconds(100);
    t.reconnectMax = std::chrono::milliseconds(800);
    return t;
}

// A target for the sshd fixture, with the client side (known_hosts, ~/.ssh) in its directory
// so no default key of the machine is tried.
inline SshTarget fixtureTarget(const testing::SshdFixture& sshd, HostKeyPolicy policy) {
    SshTarget t;
    t.alias = QStringLiteral("fixture");
    t.hostName = QString::fromStdString(sshd.host());
    t.port = sshd.port();
    t.user = QString::fromStdString(sshd.user());
    t.sshDir = QString::fromStdString(sshd.client_dir());
    t.knownHostsPath = QString::fromStdString(sshd.client_dir() + "/known_hosts");
    t.hostKeyPolicy = policy;
    t.connectTimeout = std::chrono::seconds(10);
    return t;
}

}  // namespace fulcrum::app::test
