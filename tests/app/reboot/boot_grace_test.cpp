// The first connection after a reboot gives boot persistence its chance: against the real sshd
// fixture with the real agent in the fixture's home, a session in the rebooting state finds
// the agent that "boot persistence" starts 1.5 s after SSH already answers (started_by cron),
// instead of starting one itself; and when nothing starts it, it starts it after the bounded
// grace, so reboot-and-verify can say "not started by boot persistence".
#include "app/rpc/agent_locator.h"
#include "app/rpc/host_session.h"
#include "tests/app/test_support.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTimer>

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>

namespace fulcrum::app {
namespace {

using test::waitUntil;

class BootGrace : public ::testing::Test {
protected:
    void SetUp() override {
        sshd = std::make_unique<testing::SshdFixture>();
        home = QString::fromStdString(sshd->remote_home());
        agent = home + QStringLiteral("/.local/lib/fulcrum/fulcrum-agent");
        ASSERT_TRUE(QDir().mkpath(home + QStringLiteral("/.local/lib/fulcrum")));
        ASSERT_TRUE(QFile::copy(locateAgentBinary().path, agent));
        QFile::setPermissions(agent, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                         QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                         QFileDevice::ExeOther);
        // As deploy leaves it: everything under the home belongs to the account sshd logs in.
        struct stat owner {};
        ASSERT_EQ(::stat(home.toLocal8Bit().constData(), &owner), 0);
        uid = owner.st_uid;
        gid = owner.st_gid;
        for (const QString& p : {home + QStringLiteral("/.local"), home + QStringLiteral("/.local/lib"),
                                 home + QStringLiteral("/.local/lib/fulcrum"), agent})
            ASSERT_EQ(::chown(p.toLocal8Bit().constData(), uid, gid), 0);
    }
    void TearDown() override {
        session.reset();
        sshd.reset();  // kills what runs from its tree
    }
    // What boot persistence runs, as the host's user: the daemon, detached, "started by cron".
    void startDaemonAsBootWould() {
        QProcess p;
        QStringList args;
        if (uid != ::getuid()) args << QStringLiteral("setpriv") << QStringLiteral("--reuid=%1").arg(uid)
                                    << QStringLiteral("--regid=%1").arg(gid) << QStringLiteral("--clear-groups");
        args << QStringLiteral("env") << QStringLiteral("-i") << QStringLiteral("HOME=%1").arg(home)
             << QStringLiteral("PATH=/usr/bin:/bin") << agent << QStringLiteral("daemon") << QStringLiteral("--detach")
             << QStringLiteral("--started-by") << QStringLiteral("cron");
        p.start(args.takeFirst(), args);
        ASSERT_TRUE(p.waitForFinished(15000));
        ASSERT_EQ(p.exitCode(), 0) << p.readAllStandardError().toStdString() << p.readAllStandardOutput().toStdString();
    }
    HostEndpoint endpoint() const {
        SshTarget t = test::fixtureTarget(*sshd, HostKeyPolicy::AcceptNew);
        t.identityFiles << QString::fromStdString(sshd->user_key_path());
        return HostEndpoint::overSsh(t);
    }
    void openRebooting(std::chrono::milliseconds grace) {
        SessionTimings timings = test::fastSessionTimings();
        timings.bootGrace = grace;
        session = std::make_unique<HostSession>(endpoint(),
                                                nullptr, timings);
        session->setRebooting(true);  // what reboot-and-verify does before the host goes away; opens
    }

    std::unique_ptr<testing::SshdFixture> sshd;
    std::unique_ptr<HostSession> session;
    QString home;
    QString agent;
    uid_t uid = 0;
    gid_t gid = 0;
};

TEST_F(BootGrace, TheAgentStartedByBootPersistenceAfterSshAnswersIsTheOneFound) {
    QElapsedTimer clock;
    clock.start();
    openRebooting(std::chrono::seconds(4));
    QTimer::singleShot(1500, [this] { startDaemonAsBootWould(); });
    ASSERT_TRUE(waitUntil([&] { return session->agent().has_value(); }, 15000)) << session->statusText().toStdString()
                                                                                  << "\n" << sshd->log();
    EXPECT_EQ(session->agent()->started_by, "cron");
    EXPECT_GE(clock.elapsed(), 1500);
    EXPECT_EQ(session->state(), HostSession::State::Rebooting);
}

TEST_F(BootGrace, WithoutBootPersistenceTheSessionStartsTheAgentAfterTheGrace) {
    QElapsedTimer clock;
    clock.start();
    openRebooting(std::chrono::seconds(2));
    ASSERT_TRUE(waitUntil([&] { return session->agent().has_value(); }, 15000)) << session->statusText().toStdString()
                                                                                  << "\n" << sshd->log();
    EXPECT_EQ(session->agent()->started_by, "rpc");
    EXPECT_GE(clock.elapsed(), 2000);
    EXPECT_LT(clock.elapsed(), 9000);

    // Outside a reboot nothing waits: with no daemon running, the bridge starts one at once.
    const pid_t daemon = pid_t(session->agent()->daemon_pid);
    session->setRebooting(false);
    session.reset();
    ASSERT_EQ(::kill(daemon, SIGTERM), 0);
    ASSERT_TRUE(waitUntil([&] { return ::kill(daemon, 0) != 0; }, 10000));
    clock.restart();
    session = std::make_unique<HostSession>(endpoint(),
                                            nullptr, test::fastSessionTimings());
    session->open();
    ASSERT_TRUE(waitUntil([&] { return session->state() == HostSession::State::Connected; }, 15000));
    EXPECT_EQ(session->agent()->started_by, "rpc");
    EXPECT_LT(clock.elapsed(), 4000);  // the grace would have been 5 s
}

}  // namespace
}  // namespace fulcrum::app
