// Boot persistence on this machine (no systemd as PID 1): boot.status explains, boot.install
// writes the crontab @reboot line, and running that line starts a daemon that says it was
// started by cron. Unit files are checked with systemd-analyze verify.
#include "agent/boot/boot_persistence.h"
#include "agent/util/run_command.h"
#include "tests/agent/support/test_agent.h"

#include <gtest/gtest.h>

#include <fstream>

namespace fulcrum::agent::test_support {
namespace {

using namespace std::chrono_literals;
namespace method = protocol::method;
using protocol::BootMechanism;

std::vector<std::string> as_test_user(std::vector<std::string> argv) {
    auto prefix = run_as_test_user_prefix();
    prefix.insert(prefix.end(), argv.begin(), argv.end());
    return prefix;
}

// Removes the lines this test added from the test user's crontab, keeping everything else.
void remove_cron_lines(const std::string& marker) {
    const auto listed = run_command(as_test_user({"crontab", "-l"}), 5s);
    if (!listed.ok()) return;
    std::string kept;
    std::istringstream lines(listed.output);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.find(marker) == std::string::npos) kept += line + "\n";
    }
    run_command(as_test_user({"crontab", "-"}), 5s, kept);
}

TEST(BootPersistence, UnitFilesPassSystemdAnalyzeVerify) {
    if (!run_command({"systemd-analyze", "--version"}, 5s).ok()) GTEST_SKIP() << "systemd-analyze is not installed";
    TempDir temp;
    BootPersistence boot({agent_binary(), temp.path() / "state", "fulcrum-test", temp.path()});
    for (const auto& [name, text] : {std::pair{std::string("fulcrum-agent-fulcrum-test.service"), boot.system_unit()},
                                     std::pair{std::string("fulcrum-agent.service"), boot.user_unit()}}) {
        const auto path = temp.path() / name;
        std::ofstream(path) << text;
        const auto verified = run_command({"systemd-analyze", "verify", path.string()}, 30s);
        EXPECT_TRUE(verified.ok()) << name << ":\n" << verified.output;
        EXPECT_NE(text.find("KillMode=process"), std::string::npos);
    }
    EXPECT_NE(boot.system_unit().find("AmbientCapabilities=CAP_NET_BIND_SERVICE"), std::string::npos);
    EXPECT_NE(boot.system_unit().find("User=fulcrum-test"), std::string::npos);
    EXPECT_NE(boot.system_unit().find("--started-by systemd-system"), std::string::npos);
    EXPECT_NE(boot.user_unit().find("--started-by systemd-user"), std::string::npos);
}

TEST(BootPersistence, CronPathInstallsTheRebootLineAndItStartsTheAgent) {
    TempDir temp;
    const auto state = temp.path() / "state";
    const std::string marker = "# fulcrum-agent " + state.string();
    struct Cleanup {
        std::string marker;
        ~Cleanup() { remove_cron_lines(marker); }
    } cleanup{marker};
    TestDaemon daemon(state);
    ASSERT_TRUE(daemon.start());
    auto agent = daemon.connect();

    auto before = agent.call<method::BootStatusGet>({}, 30s);
    ASSERT_TRUE(before.ok()) << before.error().message;
    EXPECT_EQ(before.value().installed, BootMechanism::none);
    EXPECT_EQ(before.value().recommended, systemd_is_init() ? before.value().recommended : BootMechanism::cron);
    EXPECT_FALSE(before.value().will_start_on_boot);
    EXPECT_NE(before.value().summary.find("will NOT come back"), std::string::npos) << before.value().summary;
    EXPECT_FALSE(before.value().fix.empty());

    auto installed = agent.call<method::BootInstall>({BootMechanism::cron}, 30s);
    ASSERT_TRUE(installed.ok()) << installed.error().message;
    EXPECT_EQ(installed.value().installed, BootMechanism::cron);
    EXPECT_EQ(installed.value().will_start_on_boot, cron_daemon_running());
    if (!cron_daemon_running()) {
        EXPECT_NE(installed.value().summary.find("no cron daemon is running"), std::string::npos)
            << installed.value().summary;
    }
    const auto crontab = run_command(as_test_user({"crontab", "-l"}), 5s);
    ASSERT_TRUE(crontab.ok()) << crontab.output;
    std::string line;
    std::istringstream lines(crontab.output);
    for (std::string l; std::getline(lines, l);) {
        if (l.find(marker) != std::string::npos) line = l;
    }
    ASSERT_FALSE(line.empty()) << crontab.output;
    EXPECT_EQ(line.rfind("@reboot ", 0), 0u);
    EXPECT_NE(line.find("--started-by cron"), std::string::npos);
    // Installing twice keeps one line.
    ASSERT_TRUE(agent.call<method::BootInstall>({BootMechanism::cron}, 30s).ok());
    const auto again = run_command(as_test_user({"crontab", "-l"}), 5s).output;
    EXPECT_EQ(again.find(marker), again.rfind(marker));

    // "Reboot": the daemon is gone, cron runs the @reboot command (here: we run it, as cron would).
    daemon.process().terminate();
    const auto command = line.substr(std::string("@reboot ").size());
    const auto started = run_command(as_test_user({"/bin/sh", "-c", command}), 20s);
    ASSERT_TRUE(started.ok()) << started.output;
    std::string error;
    auto connection = AgentConnection::connect(state / "agent.sock", error);
    ASSERT_TRUE(connection) << error;
    auto hello = connection->call<method::AgentHello>(protocol::HelloParams{"tests", "0", {}, {}}, 10s);
    ASSERT_TRUE(hello.ok());
    EXPECT_EQ(hello.value().started_by, "cron");
    ::kill(static_cast<pid_t>(hello.value().daemon_pid), SIGTERM);
    EXPECT_TRUE(eventually([&] { return ::kill(static_cast<pid_t>(hello.value().daemon_pid), 0) != 0; }, 10s));
}

}  // namespace
}  // namespace fulcrum::agent::test_support
