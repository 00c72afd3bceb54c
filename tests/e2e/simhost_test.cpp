// The simulated-host harness proves itself: hosts are separate machines on a private network,
// reachable from the test process, and a reboot really is one.
#include "tests/support/simhost/lab.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fulcrum::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

CommandResult ssh(const SimLab& lab, const SimHost& host, const std::string& command) {
    auto argv = lab.ssh_command(host);
    argv.push_back(command);
    return run_command(argv, 20s);
}

// Field 22 of /proc/PID/stat, or "" when the process is gone.
std::string start_time(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return {};
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
    }
    return field;
}

// Bash's /dev/tcp: reads the first bytes a TCP server sends (sshd: "SSH-").
std::string banner_command(const std::string& address, int port) {
    return "timeout 5 bash -c 'exec 3<>/dev/tcp/" + address + "/" + std::to_string(port) + " && head -c 4 <&3'";
}

class SimLabTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto reason = SimLab::unsupported_reason()) GTEST_SKIP() << *reason;
    }
};

TEST_F(SimLabTest, HostsReachEachOtherAndTheTestProcessReachesEveryHost) {
    SimLab lab({"a", "b"});
    SimHost& a = lab.host("a");
    SimHost& b = lab.host("b");
    EXPECT_NE(a.address(), b.address());
    EXPECT_TRUE(a.wait_for_ssh(2s));  // from the test process, through the root-side veth
    EXPECT_TRUE(b.wait_for_ssh(2s));

    const CommandResult a_to_b = a.run_as_user(banner_command(b.address(), b.ssh_port()));
    EXPECT_EQ(a_to_b.out, "SSH-") << a_to_b.err;
    const CommandResult b_to_a = b.run_as_user(banner_command(a.address(), a.ssh_port()));
    EXPECT_EQ(b_to_a.out, "SSH-") << b_to_a.err;

    // Nothing leaves the lab: no default route, so anything else is unreachable at once.
    const CommandResult outside = a.run_as_user("timeout 5 bash -c 'exec 3<>/dev/tcp/203.0.113.1/80' 2>&1");
    EXPECT_NE(outside.exit_code, 0);
    EXPECT_NE(outside.out.find("unreachable"), std::string::npos) << outside.out;
}

TEST_F(SimLabTest, SshLogsInAsFulcrumTestWithKeyOnPrivateHosts) {
    SimLab lab({"a", "b"});
    SimHost& a = lab.host("a");
    SimHost& b = lab.host("b");

    const CommandResult who = ssh(lab, a, "id -un; hostname; echo $HOME; cat /proc/sys/kernel/random/boot_id");
    ASSERT_TRUE(who.ok()) << who.err;
    std::string real_boot_id;
    std::getline(std::ifstream("/proc/sys/kernel/random/boot_id"), real_boot_id);
    EXPECT_EQ(who.out, "fulcrum-test\na\n/home/fulcrum-test\n" + a.boot_id() + "\n");
    EXPECT_NE(a.boot_id(), real_boot_id);
    EXPECT_NE(a.boot_id(), b.boot_id());

    // Home, /tmp and the cron spool are each host's own.
    ASSERT_TRUE(ssh(lab, a, "echo a-home > ~/mine && echo a-tmp > /tmp/mine && echo '@reboot true' | crontab -").ok());
    EXPECT_EQ(a.read_file("/home/fulcrum-test/mine"), "a-home\n");
    EXPECT_EQ(a.read_file("/tmp/mine"), "a-tmp\n");
    EXPECT_EQ(b.read_file("/home/fulcrum-test/mine"), std::nullopt);
    EXPECT_EQ(b.read_file("/tmp/mine"), std::nullopt);
    EXPECT_FALSE(fs::exists("/tmp/mine"));
    EXPECT_TRUE(a.run_as_user("crontab -l").ok());
    EXPECT_FALSE(b.run_as_user("crontab -l").ok());

    // Separate PID namespaces: a host sees only its own processes, init is PID 1.
    const CommandResult ps = a.run_as_user("cat /proc/1/cmdline | tr '\\0' ' '");
    EXPECT_NE(ps.out.find("fulcrum-simhost init"), std::string::npos) << ps.out;
    EXPECT_NE(a.pid_namespace(), b.pid_namespace());

    // The panel's HOME: OpenSSH finds host, user, port and key through its .ssh/config alone
    // (given with -F: OpenSSH takes ~ from the password database, not from $HOME).
    const fs::path home = lab.panel_home();
    const CommandResult by_alias = run_command(
        {"ssh", "-F", (home / ".ssh" / "config").string(), "-o", "BatchMode=yes", "-o",
         "UserKnownHostsFile=" + (home / ".ssh" / "known_hosts").string(), "b", "hostname"},
        20s);
    EXPECT_EQ(by_alias.out, "b\n") << by_alias.err;

    // A wrong key is refused: only the lab's client key logs in.
    const fs::path other_key = lab.state_dir() / "client" / "other";
    ASSERT_TRUE(run_command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other_key.string()}, 10s).ok());
    auto argv = lab.ssh_command(a);
    std::replace(argv.begin(), argv.end(), lab.client_key().string(), other_key.string());
    argv.push_back("true");
    EXPECT_FALSE(run_command(argv, 20s).ok());
}

TEST_F(SimLabTest, RebootKillsEverythingGivesNewBootIdAndRunsCronRebootJobs) {
    SimLab lab({"a"});
    SimHost& a = lab.host("a");
    ASSERT_TRUE(a.run_as_user("echo '@reboot cat /proc/sys/kernel/random/boot_id >> $HOME/reboots.log' | crontab -")
                    .ok());
    ASSERT_TRUE(a.run_as_user("setsid sleep 600 </dev/null >/dev/null 2>&1 & echo kept > /tmp/volatile; "
                              "echo kept > ~/durable")
                    .ok());
    const std::string old_boot_id = a.boot_id();
    // (pid, start time): the kernel recycles pids and namespace inode numbers.
    std::vector<std::pair<pid_t, std::string>> old_processes;
    for (pid_t pid : a.processes()) old_processes.emplace_back(pid, start_time(pid));
    EXPECT_GE(old_processes.size(), 4u);  // init, sshd, cron, sleep

    a.reboot();

    EXPECT_NE(a.boot_id(), old_boot_id);
    EXPECT_EQ(a.read_file("/proc/sys/kernel/random/boot_id"), a.boot_id() + "\n");
    for (const auto& [pid, started] : old_processes) {
        EXPECT_NE(start_time(pid), started) << "process " << pid << " survived the reboot";
    }
    const CommandResult after = ssh(lab, a, "id -un; pgrep -c -x sleep || true");
    ASSERT_TRUE(after.ok()) << after.err;
    EXPECT_EQ(after.out, "fulcrum-test\n0\n");
    EXPECT_EQ(a.read_file("/tmp/volatile"), std::nullopt);
    EXPECT_EQ(a.read_file("/home/fulcrum-test/durable"), "kept\n");

    // cron ran the @reboot line once, in the new boot.
    std::optional<std::string> log;
    for (int i = 0; i < 100 && !log; ++i) {
        log = a.read_file("/home/fulcrum-test/reboots.log");
        if (!log) std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(log, a.boot_id() + "\n");
}

TEST_F(SimLabTest, RebootCommandRunOverSshRebootsTheHost) {
    SimLab lab({"a", "b"});
    SimHost& a = lab.host("a");
    SimHost& b = lab.host("b");
    const std::string old_boot_id = a.boot_id();
    const std::string b_boot_id = b.boot_id();
    const int boots = a.boot_count();

    ssh(lab, a, SimHost::reboot_command());  // may or may not see its session end cleanly
    for (int i = 0; i < 200 && a.boot_count() == boots; ++i) std::this_thread::sleep_for(25ms);
    ASSERT_EQ(a.boot_count(), boots + 1);
    ASSERT_TRUE(a.wait_for_ssh(10s));
    EXPECT_NE(a.boot_id(), old_boot_id);
    EXPECT_EQ(b.boot_id(), b_boot_id);  // the other host did not notice
    EXPECT_TRUE(ssh(lab, a, "true").ok());
}

TEST_F(SimLabTest, LeftoversOfAKilledRunAreCleanedByTheNextLab) {
    int report[2];
    ASSERT_EQ(pipe(report), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(report[0]);
        try {
            SimLab lab({"x"});
            const std::string slot = std::to_string(lab.slot()) + "\n";
            (void)!write(report[1], slot.data(), slot.size());
            pause();  // killed by the parent
        } catch (...) {
        }
        _exit(1);
    }
    close(report[1]);
    char buffer[16] = {};
    const ssize_t n = read(report[0], buffer, sizeof buffer - 1);
    close(report[0]);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_GT(n, 0) << "the child could not build its lab";
    const int slot = std::stoi(buffer);
    const fs::path netns = "/run/netns/fsim-" + std::to_string(slot) + "-x";
    EXPECT_TRUE(fs::exists(netns));  // SIGKILL left it behind

    EXPECT_GE(SimLab::clean_stale_runs(), 1);
    EXPECT_FALSE(fs::exists(netns));
    EXPECT_FALSE(fs::exists("/run/netns/fsim-" + std::to_string(slot) + "-lab"));
    EXPECT_FALSE(fs::exists("/sys/class/net/fsim" + std::to_string(slot)));
    EXPECT_FALSE(fs::exists("/var/tmp/fulcrum-simhost/" + std::to_string(slot)));
}

}  // namespace
}  // namespace fulcrum::testing
