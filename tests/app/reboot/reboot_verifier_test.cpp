// RebootVerifier against a real local agent ("This computer"), with a clock the test advances
// by hand. A local agent cannot really reboot, so these tests cover the machine's refusals and
// failures on real answers; the green path needs a simulated host (tests/support/simhost).
#include "app/reboot/reboot_verifier.h"
#include "app/rpc/host_session.h"
#include "tests/app/test_support.h"
#include "tests/support/sshd_fixture.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <algorithm>

namespace fulcrum::app {
namespace {

using Status = RebootVerifier::Status;
using Step = RebootVerifier::Step;
using Verdict = RebootVerifier::Verdict;
using test::waitUntil;

// Time as the test says: callbacks run only inside advance(), in due order.
class ManualClock final : public RebootClock {
public:
    qint64 nowMs() const override { return m_now; }
    void callAfter(std::chrono::milliseconds delay, QObject* context, std::function<void()> fn) override {
        m_timers.push_back({m_now + delay.count(), QPointer<QObject>(context), std::move(fn)});
    }
    void advance(qint64 ms) {
        const qint64 target = m_now + ms;
        for (;;) {
            auto next = std::min_element(m_timers.begin(), m_timers.end(),
                                         [](const Timer& a, const Timer& b) { return a.due < b.due; });
            if (next == m_timers.end() || next->due > target) break;
            Timer t = std::move(*next);
            m_timers.erase(next);
            m_now = t.due;
            if (t.context) t.fn();
        }
        m_now = target;
    }

private:
    struct Timer {
        qint64 due;
        QPointer<QObject> context;
        std::function<void()> fn;
    };
    qint64 m_now = 1'764'000'000'000;
    std::vector<Timer> m_timers;
};

class RebootVerifierLocal : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(dir.isValid());
        LocalAgentOptions local;
        local.environment.insert(QStringLiteral("XDG_STATE_HOME"), dir.path());
        session = std::make_unique<HostSession>(HostEndpoint::thisComputer(local), nullptr, test::fastSessionTimings());
        QSignalSpy connected(session.get(), &HostSession::connected);
        session->open();
        ASSERT_TRUE(connected.wait(15000)) << session->statusText().toStdString();
    }
    void TearDown() override {
        verifier.reset();
        session.reset();
        testing::SshdFixture::kill_processes_under(dir.path().toStdString());
    }
    RebootVerifier& make(RebootOptions options) {
        verifier = std::make_unique<RebootVerifier>(session.get(), options, clock);
        return *verifier;
    }
    bool finished(int ms = 20000) {
        return waitUntil([&] { return verifier->verdict() != Verdict::Running; }, ms);
    }
    const RebootVerifier::StepRecord& step(Step s) const { return verifier->steps()[int(s)]; }
    std::string evidence(Step s) const { return step(s).evidence.toStdString(); }

    QTemporaryDir dir;
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    std::unique_ptr<HostSession> session;
    std::unique_ptr<RebootVerifier> verifier;
};

TEST_F(RebootVerifierLocal, PreflightWarningsStopTheRunUnlessConfirmed) {
    const QString marker = dir.filePath(QStringLiteral("rebooted"));
    RebootOptions options;
    options.unsavedEdits = true;
    options.rebootCommand = QStringLiteral("touch '%1'").arg(marker);
    auto& v = make(options);
    QSignalSpy done(&v, &RebootVerifier::finished);
    v.start();
    ASSERT_TRUE(finished());
    EXPECT_EQ(done.count(), 1);
    EXPECT_EQ(v.verdict(), Verdict::Failed);
    EXPECT_EQ(step(Step::Preflight).status, Status::Failed);
    EXPECT_NE(evidence(Step::Preflight).find("staged edits"), std::string::npos) << evidence(Step::Preflight);
    // A fresh state dir has no boot persistence: the agent's own words are in the warning.
    EXPECT_NE(evidence(Step::Preflight).find(" at boot"), std::string::npos) << evidence(Step::Preflight);
    EXPECT_TRUE(v.failureSummary().startsWith(QStringLiteral("Preflight: ")));
    EXPECT_TRUE(v.awaitsConfirmation());  // the panel asks the user instead of showing a plain red
    for (int i = 1; i < int(Step::Count); ++i) EXPECT_EQ(v.steps()[i].status, Status::Skipped) << i;
    EXPECT_FALSE(QFile::exists(marker)) << "the reboot command ran although preflight failed";
    EXPECT_FALSE(session->isRebooting());
}

TEST_F(RebootVerifierLocal, RefusedRebootCommandFailsWithItsOutput) {
    RebootOptions options;
    options.proceedDespiteWarnings = true;
    options.rebootCommand = QStringLiteral("echo 'sudo: a password is required' >&2; exit 1");
    auto& v = make(options);
    v.start();
    ASSERT_TRUE(finished());
    EXPECT_EQ(step(Step::Preflight).status, Status::Passed);
    EXPECT_NE(evidence(Step::Preflight).find("proceeding anyway"), std::string::npos);
    EXPECT_EQ(step(Step::RecordBootId).status, Status::Passed);
    EXPECT_NE(evidence(Step::RecordBootId).find("boot_id "), std::string::npos);
    EXPECT_EQ(step(Step::IssueReboot).status, Status::Failed);
    EXPECT_NE(evidence(Step::IssueReboot).find("exit status 1"), std::string::npos) << evidence(Step::IssueReboot);
    EXPECT_NE(evidence(Step::IssueReboot).find("a password is required"), std::string::npos) << evidence(Step::IssueReboot);
    EXPECT_EQ(step(Step::HostDown).status, Status::Skipped);
    EXPECT_FALSE(v.awaitsConfirmation());  // a refusal is a real red, nothing to confirm
    EXPECT_EQ(session->state(), HostSession::State::Connected);
    EXPECT_FALSE(session->isRebooting());
}

TEST_F(RebootVerifierLocal, HostThatNeverGoesDownFailsAtThePhaseTimeout) {
    RebootOptions options;
    options.proceedDespiteWarnings = true;
    options.rebootCommand = QStringLiteral("true");  // "succeeds" but nothing goes down
    options.downTimeout = std::chrono::seconds(90);
    auto& v = make(options);
    v.start();
    ASSERT_TRUE(waitUntil([&] { return step(Step::HostDown).status == Status::Running; }));
    const qint64 downStarted = step(Step::HostDown).startedAtMs;
    EXPECT_EQ(downStarted, clock->nowMs());
    clock->advance(89'000);
    QTest::qWait(200);
    EXPECT_EQ(step(Step::HostDown).status, Status::Running);
    EXPECT_EQ(v.verdict(), Verdict::Running);
    clock->advance(1'000);
    ASSERT_EQ(v.verdict(), Verdict::Failed);
    EXPECT_EQ(step(Step::HostDown).status, Status::Failed);
    EXPECT_EQ(step(Step::HostDown).durationMs, 90'000);
    EXPECT_NE(evidence(Step::HostDown).find("no success within 90.0 s"), std::string::npos) << evidence(Step::HostDown);
    EXPECT_EQ(step(Step::HostUp).status, Status::Skipped);
}

TEST_F(RebootVerifierLocal, DroppedConnectionWithoutARebootIsCaughtByBootId) {
    // Killing the agent daemon drops the connection like a reboot would; the session comes back
    // (the bridge starts a new daemon), but boot_id tells that the host never rebooted.
    RebootOptions options;
    options.proceedDespiteWarnings = true;
    options.rebootCommand = QStringLiteral("kill %1").arg(session->agent()->daemon_pid);
    const qint64 oldPid = session->agent()->daemon_pid;
    auto& v = make(options);
    QSignalSpy changed(&v, &RebootVerifier::stepChanged);
    v.start();
    ASSERT_TRUE(finished(30000)) << v.failureSummary().toStdString();
    EXPECT_EQ(step(Step::IssueReboot).status, Status::Passed) << evidence(Step::IssueReboot);
    EXPECT_EQ(step(Step::HostDown).status, Status::Passed) << evidence(Step::HostDown);
    EXPECT_NE(evidence(Step::HostDown).find("connection lost"), std::string::npos) << evidence(Step::HostDown);
    EXPECT_EQ(step(Step::HostUp).status, Status::Passed) << evidence(Step::HostUp);
    EXPECT_EQ(step(Step::NewBootId).status, Status::Failed);
    EXPECT_NE(evidence(Step::NewBootId).find("boot_id is unchanged"), std::string::npos) << evidence(Step::NewBootId);
    EXPECT_EQ(step(Step::AgentFromBoot).status, Status::Skipped);
    EXPECT_NE(session->agent()->daemon_pid, oldPid);
    EXPECT_FALSE(session->isRebooting());
    EXPECT_GE(changed.count(), 2 * 6);  // running + result of six steps, then the skipped ones
}

}  // namespace
}  // namespace fulcrum::app
