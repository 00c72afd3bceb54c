// RollingReboot and PoolDrain against two real local agents: a "pool host" whose proxy balances
// over a server on 127.0.0.2 (a slow Python upstream, so a request is really in flight), and
// the "host to reboot", known to the pools as 127.0.0.2. A local agent cannot really reboot:
// its reboot command kills its daemon, the verification turns red at the new boot_id, and the
// tests check that the drain happened first, waited for the request in flight, and that the
// pool was restored although the verification failed.
#include "app/reboot/rolling_reboot.h"
#include "app/rpc/agent_locator.h"
#include "app/rpc/host_session.h"
#include "app/ssh/ssh_connection.h"
#include "tests/app/test_support.h"
#include "tests/support/sshd_fixture.h"

#include <QDateTime>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkInterface>
#include <QNetworkReply>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace fulcrum::app {
namespace {

using test::waitUntil;
using Phase = RollingReboot::Phase;
using Verdict = RebootVerifier::Verdict;
namespace method = protocol::method;

quint16 freePort(const QHostAddress& address) {
    QTcpServer server;
    return server.listen(address, 0) ? server.serverPort() : 0;
}

// An HTTP upstream (on 127.0.0.2 unless told) that answers /slow after `seconds`, anything else at once.
class SlowUpstream {
public:
    explicit SlowUpstream(double seconds, const QString& address = QStringLiteral("127.0.0.2")) {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), QStringLiteral(R"(
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == '/slow': time.sleep(%1)
        body = b'ok'
        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(('%2', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
)").arg(seconds).arg(address)});
        if (m_process.waitForReadyRead(10000)) m_port = quint16(m_process.readLine().trimmed().toUInt());
    }
    ~SlowUpstream() {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    quint16 port() const { return m_port; }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

class RollingRebootLocal : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(dir.isValid());
        pool = open(QStringLiteral("pool-host"));
        target = open(QStringLiteral("target-host"));
        ASSERT_TRUE(pool && target);
    }
    void TearDown() override {
        rolling.reset();
        pool.reset();
        target.reset();
        testing::SshdFixture::kill_processes_under(dir.path().toStdString());
    }
    std::unique_ptr<HostSession> open(const QString& name) {
        LocalAgentOptions local;
        local.environment.insert(QStringLiteral("XDG_STATE_HOME"), dir.filePath(name));
        auto session = std::make_unique<HostSession>(HostEndpoint::thisComputer(local), nullptr, test::fastSessionTimings());
        session->open();
        if (!waitUntil([&] { return session->state() == HostSession::State::Connected; }, 15000)) {
            ADD_FAILURE() << name.toStdString() << ": " << session->statusText().toStdString();
            return nullptr;
        }
        return session;
    }
    template <class M>
    protocol::Outcome<typename M::Result> call(HostSession& s, const typename M::Params& params) {
        std::optional<protocol::Outcome<typename M::Result>> result;
        s.rpc()->call<M>(params, nullptr, [&](protocol::Outcome<typename M::Result> r) { result = std::move(r); });
        waitUntil([&] { return result.has_value(); }, 20000);
        if (!result) return protocol::Error::make(protocol::ErrorCode::InternalError, "no answer");
        return std::move(*result);
    }
    // The pool host's proxy on `listen`, one pool over the target's server (and a local one).
    void applyPool(quint16 listen, quint16 upstream, const std::string& state = "active") {
        const nlohmann::json document = {
            {"listeners", {{{"name", "http"}, {"address", "127.0.0.1:" + std::to_string(listen)}}}},
            {"routes", {{{"path_prefix", "/"}, {"pool", "app"}}}},
            {"pools", {{{"name", "app"},
                        {"servers", {{{"address", "127.0.0.2:" + std::to_string(upstream)}, {"state", state}},
                                     {{"address", "127.0.0.3:1"}, {"state", "disabled"}}}},
                        {"response_timeout_ms", 20000}}}}};
        protocol::ConfigApplyParams params;
        params.config.document = document;
        const auto r = call<method::ConfigApply>(*pool, params);
        ASSERT_TRUE(r.ok()) << r.error().message;
    }
    std::string serverState(qint64 version = 0) {
        protocol::ConfigGetParams params;
        if (version) params.version = version;
        const auto r = call<method::ConfigGet>(*pool, params);
        if (!r.ok()) return "error: " + r.error().message;
        return r.value().document["pools"][0]["servers"][0].value("state", std::string("active"));
    }
    // Reboots the target, known to the pools as 127.0.0.2, and waits for the verdict.
    const RollingReboot::HostRun& runToEnd(const RebootOptions& options, QVector<HostSession*> poolHosts,
                                           QStringList* lines = nullptr) {
        DrainOptions drain;
        drain.inFlightTimeout = std::chrono::seconds(20);
        drain.pollInterval = std::chrono::milliseconds(300);
        rolling = std::make_unique<RollingReboot>(QVector<RollingHost>{{target.get(), {QStringLiteral("127.0.0.2")}}},
                                                  poolHosts, options, drain);
        if (lines) QObject::connect(rolling.get(), &RollingReboot::progress, [lines](int, const QString& l) { *lines << l; });
        rolling->start();
        EXPECT_TRUE(waitUntil([&] { return rolling->verdict() != Verdict::Running; }, 60000))
            << (lines ? lines->join('\n').toStdString() : std::string());
        return rolling->hosts()[0];
    }

    QTemporaryDir dir;
    std::unique_ptr<HostSession> pool;
    std::unique_ptr<HostSession> target;
    std::unique_ptr<RollingReboot> rolling;
};

TEST(PoolDrainAddresses, MatchesTheHostPartOnly) {
    const QStringList targets{QStringLiteral("198.18.0.12"), QStringLiteral("Web2.example.net"), QStringLiteral("::1")};
    EXPECT_TRUE(PoolDrain::addressOnHost(QStringLiteral("198.18.0.12:8100"), targets));
    EXPECT_TRUE(PoolDrain::addressOnHost(QStringLiteral("web2.example.net:80"), targets));
    EXPECT_TRUE(PoolDrain::addressOnHost(QStringLiteral("[::1]:8080"), targets));
    EXPECT_FALSE(PoolDrain::addressOnHost(QStringLiteral("198.18.0.120:8100"), targets));
    EXPECT_FALSE(PoolDrain::addressOnHost(QStringLiteral("198.18.0.1:8100"), targets));
    EXPECT_FALSE(PoolDrain::addressOnHost(QStringLiteral("web2.example.net.evil:80"), targets));
    EXPECT_FALSE(PoolDrain::addressOnHost(QStringLiteral("anything:1"), {}));
}

TEST_F(RollingRebootLocal, DrainsWaitsForInFlightRebootsAndRestoresEvenWhenRed) {
    SlowUpstream upstream(3.0);
    ASSERT_NE(upstream.port(), 0);
    const quint16 listen = freePort(QHostAddress::LocalHost);
    ASSERT_NE(listen, 0);
    ASSERT_NO_FATAL_FAILURE(applyPool(listen, upstream.port()));
    QNetworkAccessManager http;
    const QUrl base(QStringLiteral("http://127.0.0.1:%1").arg(listen));
    ASSERT_TRUE(waitUntil([&] {
        QNetworkReply* r = http.get(QNetworkRequest(base.resolved(QUrl(QStringLiteral("/fast")))));
        waitUntil([&] { return r->isFinished(); }, 3000);
        const bool ok = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200;
        r->deleteLater();
        return ok;
    }, 20000)) << "the pool host's proxy never answered through 127.0.0.2";

    // A request in flight on the server that is about to go down.
    QNetworkRequest slowRequest(base.resolved(QUrl(QStringLiteral("/slow"))));
    slowRequest.setTransferTimeout(20000);
    QNetworkReply* slow = http.get(slowRequest);
    qint64 slowDoneMs = 0;
    int slowStatus = 0;
    QObject::connect(slow, &QNetworkReply::finished, [&] {
        slowDoneMs = QDateTime::currentMSecsSinceEpoch();
        slowStatus = slow->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    });
    QTest::qWait(300);

    // The reboot command records when it ran and what the pool looked like then.
    const QString ranAt = dir.filePath(QStringLiteral("reboot-ran-at"));
    RebootOptions options;
    options.proceedDespiteWarnings = true;
    options.rebootCommand = QStringLiteral("date +%s%3N > '%1'; kill %2").arg(ranAt).arg(target->agent()->daemon_pid);
    QStringList lines;
    const auto& run = runToEnd(options, {pool.get(), target.get()}, &lines);
    ASSERT_NE(rolling->verdict(), Verdict::Running);

    EXPECT_EQ(slowStatus, 200) << "the request in flight was cut";
    QFile ran(ranAt);
    ASSERT_TRUE(ran.open(QIODevice::ReadOnly)) << "the reboot command never ran: " << lines.join('\n').toStdString();
    const qint64 rebootMs = ran.readAll().trimmed().toLongLong();
    EXPECT_GT(slowDoneMs, 0);
    EXPECT_LE(slowDoneMs, rebootMs + 50) << "the host was rebooted while a request was in flight on it";

    ASSERT_EQ(rolling->hosts().size(), 1);
    EXPECT_EQ(rolling->verdict(), Verdict::Failed);
    EXPECT_EQ(run.phase, Phase::Failed);
    EXPECT_TRUE(run.failure.startsWith(QStringLiteral("New boot_id"))) << run.failure.toStdString();
    EXPECT_TRUE(rolling->failureSummary().contains(QStringLiteral("boot_id is unchanged"))) << rolling->failureSummary().toStdString();
    const std::string drained = run.drainEvidence.toStdString();
    EXPECT_NE(drained.find("draining 127.0.0.2:" + std::to_string(upstream.port()) + " in pool app (was active)"), std::string::npos) << drained;
    EXPECT_NE(drained.find("no request in flight"), std::string::npos) << drained;
    EXPECT_EQ(drained.find("127.0.0.3"), std::string::npos) << "a server on another address was touched: " << drained;
    EXPECT_TRUE(run.restoreOk);
    EXPECT_NE(run.restoreEvidence.toStdString().find("restored 127.0.0.2:" + std::to_string(upstream.port()) + " in pool app to active"),
              std::string::npos) << run.restoreEvidence.toStdString();
    ASSERT_EQ(run.steps.size(), int(RebootVerifier::Step::Count));
    EXPECT_EQ(run.steps[int(RebootVerifier::Step::NewBootId)].status, RebootVerifier::Status::Failed);

    // The pool: active again, and its history shows the drain and the restore in order.
    EXPECT_EQ(serverState(), "active");
    const auto history = call<method::ConfigHistory>(*pool, {});
    ASSERT_TRUE(history.ok());
    ASSERT_GE(history.value().entries.size(), 3u);
    EXPECT_EQ(history.value().entries[0].comment, "rolling reboot: restore 127.0.0.2");
    EXPECT_EQ(history.value().entries[1].comment, "rolling reboot: drain 127.0.0.2");
    EXPECT_EQ(serverState(history.value().entries[1].version), "draining");
}

TEST_F(RollingRebootLocal, AServerDrainedBeforehandStaysDrainedAndRefusedPreflightStillRestores) {
    SlowUpstream upstream(0);
    ASSERT_NE(upstream.port(), 0);
    const quint16 listen = freePort(QHostAddress::LocalHost);
    ASSERT_NO_FATAL_FAILURE(applyPool(listen, upstream.port(), "draining"));
    RebootOptions options;  // no --yes: the target has no boot persistence, preflight stops it
    options.rebootCommand = QStringLiteral("kill %1").arg(target->agent()->daemon_pid);
    const auto& run = runToEnd(options, {pool.get()});
    EXPECT_EQ(run.phase, Phase::Failed);
    EXPECT_TRUE(run.failure.startsWith(QStringLiteral("Preflight"))) << run.failure.toStdString();
    EXPECT_EQ(serverState(), "draining");  // it was draining before: restore keeps it so
    EXPECT_EQ(target->state(), HostSession::State::Connected);  // never rebooted
    EXPECT_NE(run.restoreEvidence.toStdString().find("nothing to restore"), std::string::npos) << run.restoreEvidence.toStdString();
}

// A pool that follows the pool host's own workers may also list servers elsewhere: those on
// the host going down are drained like any other (the followed workers are not touched).
TEST_F(RollingRebootLocal, ExplicitServersOfAFollowWorkersPoolAreDrainedToo) {
    SlowUpstream upstream(0);
    ASSERT_NE(upstream.port(), 0);
    const quint16 listen = freePort(QHostAddress::LocalHost);
    const quint16 workerPort = freePort(QHostAddress::LocalHost);
    ASSERT_TRUE(listen && workerPort);
    const std::string explicitServer = "127.0.0.2:" + std::to_string(upstream.port());
    protocol::ConfigApplyParams apply;
    apply.config.document = {
        {"listeners", {{{"name", "http"}, {"address", "127.0.0.1:" + std::to_string(listen)}}}},
        {"routes", {{{"path_prefix", "/"}, {"pool", "app"}}}},
        {"pools", {{{"name", "app"}, {"follow_workers", "web"}, {"servers", {{{"address", explicitServer}}}}}}},
        {"workers", {{{"name", "web"},
                      {"command", {"/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", "{port}"}},
                      {"ports", {workerPort}}}}}};
    const auto applied = call<method::ConfigApply>(*pool, apply);
    ASSERT_TRUE(applied.ok()) << applied.error().message;

    RebootOptions options;
    options.proceedDespiteWarnings = true;
    options.rebootCommand = QStringLiteral("kill %1").arg(target->agent()->daemon_pid);
    QStringList lines;
    const auto& run = runToEnd(options, {pool.get()}, &lines);
    const std::string drained = run.drainEvidence.toStdString();
    EXPECT_NE(drained.find("draining " + explicitServer + " in pool app (was active)"), std::string::npos)
        << drained << "\n" << lines.join('\n').toStdString();
    EXPECT_EQ(drained.find(std::to_string(workerPort)), std::string::npos) << "a followed worker was touched: " << drained;
    EXPECT_TRUE(run.restoreOk) << run.restoreEvidence.toStdString();
    EXPECT_NE(run.restoreEvidence.toStdString().find("restored " + explicitServer + " in pool app to active"), std::string::npos)
        << run.restoreEvidence.toStdString();

    // The document keeps following the workers, with the explicit server active again.
    const auto current = call<method::ConfigGet>(*pool, {});
    ASSERT_TRUE(current.ok());
    const auto& appPool = current.value().document["pools"][0];
    EXPECT_EQ(appPool.value("follow_workers", std::string()), "web");
    ASSERT_EQ(appPool["servers"].size(), 1u) << appPool.dump();
    EXPECT_EQ(appPool["servers"][0].value("state", std::string("active")), "active");
    const auto history = call<method::ConfigHistory>(*pool, {});
    ASSERT_TRUE(history.ok());
    ASSERT_GE(history.value().entries.size(), 3u);
    EXPECT_EQ(history.value().entries[1].comment, "rolling reboot: drain 127.0.0.2");
}

// The host is reached over SSH at 127.0.0.2, but the pool names its server 127.0.0.3 (and, when
// this machine has one, its LAN address): both are the host's by what it reports itself, so
// both are drained. The pool host is on the same machine (same boot_id), so loopback counts.
TEST_F(RollingRebootLocal, ServersNamedByAnotherAddressOfTheHostAreDrained) {
    testing::SshdOptions sshdOptions;
    sshdOptions.bind_address = "127.0.0.2";
    testing::SshdFixture sshd(sshdOptions);
    SshTarget t = test::fixtureTarget(sshd, HostKeyPolicy::AcceptNew);
    t.identityFiles << QString::fromStdString(sshd.user_key_path());
    t.identitiesOnly = true;
    {
        SshConnection connection;
        NoPrompter none;
        ASSERT_FALSE(connection.open(t, none)) << sshd.log();
        ASSERT_TRUE(std::holds_alternative<ExecResult>(connection.exec("mkdir -p ~/.local/lib/fulcrum")));
        ASSERT_FALSE(connection.upload(locateAgentBinary().path,
                                       QString::fromStdString(sshd.remote_home()) + QStringLiteral("/.local/lib/fulcrum/fulcrum-agent"),
                                       0755, {}));
    }
    HostSession overSsh(HostEndpoint::overSsh(t), nullptr, test::fastSessionTimings());
    overSsh.open();
    ASSERT_TRUE(waitUntil([&] { return overSsh.state() == HostSession::State::Connected; }, 20000))
        << overSsh.statusText().toStdString() << sshd.log();

    SlowUpstream upstream(0, QStringLiteral("127.0.0.3"));
    ASSERT_NE(upstream.port(), 0);
    const std::string loopbackServer = "127.0.0.3:" + std::to_string(upstream.port());
    nlohmann::json servers = {{{"address", loopbackServer}}};
    QString lan;
    for (const QHostAddress& a : QNetworkInterface::allAddresses())
        if (a.protocol() == QAbstractSocket::IPv4Protocol && !a.isLoopback() && !a.isLinkLocal()) lan = a.toString();
    if (!lan.isEmpty()) servers.push_back({{"address", lan.toStdString() + ":9"}});
    const quint16 listen = freePort(QHostAddress::LocalHost);
    protocol::ConfigApplyParams apply;
    apply.config.document = {{"listeners", {{{"name", "http"}, {"address", "127.0.0.1:" + std::to_string(listen)}}}},
                             {"routes", {{{"path_prefix", "/"}, {"pool", "app"}}}},
                             {"pools", {{{"name", "app"}, {"servers", servers}}}}};
    ASSERT_TRUE(call<method::ConfigApply>(*pool, apply).ok());

    DrainOptions drain;
    drain.inFlightTimeout = std::chrono::seconds(20);
    drain.pollInterval = std::chrono::milliseconds(300);
    RebootOptions options;
    options.proceedDespiteWarnings = true;
    options.rebootCommand = QStringLiteral("kill %1").arg(overSsh.agent()->daemon_pid);
    // No addresses given: the SSH host name (127.0.0.2) plus what the host reports.
    rolling = std::make_unique<RollingReboot>(QVector<RollingHost>{{&overSsh, {}}}, QVector<HostSession*>{pool.get()}, options, drain);
    QStringList lines;
    QObject::connect(rolling.get(), &RollingReboot::progress, [&lines](int, const QString& l) { lines << l; });
    rolling->start();
    ASSERT_TRUE(waitUntil([&] { return rolling->verdict() != Verdict::Running; }, 60000)) << lines.join('\n').toStdString();
    const auto& run = rolling->hosts()[0];
    const std::string drained = run.drainEvidence.toStdString();
    EXPECT_NE(drained.find("draining " + loopbackServer + " in pool app (was active)"), std::string::npos)
        << drained << "\n" << lines.join('\n').toStdString();
    if (!lan.isEmpty()) {
        EXPECT_NE(drained.find(lan.toStdString() + ":9 in pool app (was active)"), std::string::npos) << drained;
    }
    EXPECT_TRUE(run.restoreOk) << run.restoreEvidence.toStdString();
    EXPECT_NE(run.restoreEvidence.toStdString().find("restored " + loopbackServer + " in pool app to active"), std::string::npos)
        << run.restoreEvidence.toStdString();
    rolling.reset();
    overSsh.close();
}

TEST(PoolDrainAddresses, LoopbackNetworksMatchEveryAddressInside) {
    const QStringList loopback{QStringLiteral("127.0.0.1/8"), QStringLiteral("::1/128")};
    EXPECT_TRUE(PoolDrain::addressInNetworks(QStringLiteral("127.0.0.3:8000"), loopback));
    EXPECT_TRUE(PoolDrain::addressInNetworks(QStringLiteral("[::1]:8000"), loopback));
    EXPECT_FALSE(PoolDrain::addressInNetworks(QStringLiteral("128.0.0.1:8000"), loopback));
    EXPECT_FALSE(PoolDrain::addressInNetworks(QStringLiteral("localhost:8000"), loopback));  // names: exact only
    EXPECT_FALSE(PoolDrain::addressInNetworks(QStringLiteral("127.0.0.3:8000"), {QStringLiteral("not a network")}));
}

TEST_F(RollingRebootLocal, APoolHostThatCannotBeEditedStopsBeforeAnyReboot) {
    const quint16 listen = freePort(QHostAddress::LocalHost);
    ASSERT_NO_FATAL_FAILURE(applyPool(listen, 9));
    const QString marker = dir.filePath(QStringLiteral("rebooted"));
    RebootOptions options;
    options.proceedDespiteWarnings = true;
    options.rebootCommand = QStringLiteral("touch '%1'").arg(marker);
    pool->close();  // the pool host went away: its pool could still send requests to the target
    const auto& run = runToEnd(options, {pool.get()});
    EXPECT_EQ(run.phase, Phase::Failed);
    EXPECT_NE(run.drainEvidence.toStdString().find("is not connected"), std::string::npos) << run.drainEvidence.toStdString();
    EXPECT_TRUE(run.steps.isEmpty());
    EXPECT_FALSE(QFile::exists(marker));
}

}  // namespace
}  // namespace fulcrum::app
