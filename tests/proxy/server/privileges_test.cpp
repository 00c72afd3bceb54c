// Never as root: started as root with "user" set, the real binary binds its listeners (one
// on a port below 1024) and then runs as that account in every thread, with no capability
// left; without "user" it refuses with a message that says what to do. Runs only as root
// (CI and this box run tests as root); resources/test-users.sh creates fulcrum-test.
#include <dirent.h>
#include <sys/stat.h>
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "proxy_fixture.h"
#include "test_child.h"

using namespace fulcrum::proxy::testing;
using nlohmann::json;

namespace {

// "Uid:", "Gid:", "Groups:", "CapEff:" ... lines of /proc/PID/task/TID/status, per thread.
std::vector<std::map<std::string, std::string>> thread_status(pid_t pid) {
    std::vector<std::map<std::string, std::string>> out;
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    for (const auto& entry : std::filesystem::directory_iterator(tasks)) {
        std::ifstream in(entry.path() / "status");
        std::map<std::string, std::string> fields;
        std::string line;
        while (std::getline(in, line)) {
            const auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            auto value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(" \t"));
            while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
            fields[line.substr(0, colon)] = value;
        }
        out.push_back(fields);
    }
    return out;
}

// A free port below 1024 on loopback (we are root here, so we can try).
std::uint16_t free_low_port() {
    for (std::uint16_t port = 1000; port > 600; --port) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port);
        const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        if (ok) return port;
    }
    return 0;
}

struct ConfigDir {
    ConfigDir() {
        char pattern[] = "/tmp/fulcrum-priv-XXXXXX";
        path = ::mkdtemp(pattern) ? pattern : "";
        ::chmod(path.c_str(), 0755);  // SIGHUP re-reads the file as the unprivileged account
    }
    ~ConfigDir() { std::filesystem::remove_all(path); }
    std::string write(const json& config) const {
        const auto file = path + "/config.json";
        std::ofstream(file) << config.dump(2);
        ::chmod(file.c_str(), 0644);
        return file;
    }
    std::string path;
};

}  // namespace

class NeverRoot : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (the drop is what is tested)";
        const passwd* account = ::getpwnam("fulcrum-test");
        ASSERT_NE(account, nullptr) << "run resources/test-users.sh (creates fulcrum-test)";
        uid = account->pw_uid;
        gid = account->pw_gid;
    }
    uid_t uid = 0;
    gid_t gid = 0;
};

TEST_F(NeverRoot, StartedAsRootWithUserBindsALowPortThenRunsAsThatUserInEveryThread) {
    TestUpstream upstream("app");
    const auto low = free_low_port();
    ASSERT_NE(low, 0);
    ConfigDir dir;
    // A directory of the account's: the admin socket is made there after the drop, and
    // logrotate's rename-and-reopen creates the new log there.
    ASSERT_EQ(::mkdir((dir.path + "/logs").c_str(), 0755), 0);
    ASSERT_EQ(::chown((dir.path + "/logs").c_str(), uid, gid), 0);
    const json config = {
        {"threads", 2},
        {"user", "fulcrum-test"},
        {"access_log", {{"path", dir.path + "/logs/access.log"}, {"format", "json"}}},
        {"listeners", {{{"name", "high"}, {"address", "127.0.0.1:0"}},
                       {{"name", "low"}, {"address", "127.0.0.1:" + std::to_string(low)}}}},
        {"routes", {{{"path_prefix", "/"}, {"pool", "app"}}}},
        {"pools", {{{"name", "app"}, {"servers", {{{"address", upstream.address()}}}}}}}};
    Child proxy({FULCRUM_AGENT_BINARY, "proxy", "--config", dir.write(config), "--admin-socket", dir.path + "/logs/admin.sock"},
                {}, true);
    const auto dropped = proxy.wait_line("now running as fulcrum-test");
    ASSERT_FALSE(dropped.empty()) << proxy.buffer;
    const auto port_of_high = port_of(proxy.wait_line("listener high on"));
    ASSERT_NE(port_of_high, 0);
    ASSERT_EQ(port_of(proxy.wait_line("listener low on")), low);

    const auto threads = thread_status(proxy.pid);
    ASSERT_GE(threads.size(), 3u);  // main, two loops, and helpers
    const auto ids = std::to_string(uid) + "\t" + std::to_string(uid) + "\t" + std::to_string(uid) + "\t" + std::to_string(uid);
    const auto gids = std::to_string(gid) + "\t" + std::to_string(gid) + "\t" + std::to_string(gid) + "\t" + std::to_string(gid);
    for (const auto& status : threads) {
        EXPECT_EQ(status.at("Uid"), ids) << status.at("Name");
        EXPECT_EQ(status.at("Gid"), gids) << status.at("Name");
        EXPECT_EQ(status.at("Groups"), std::to_string(gid)) << "only fulcrum-test's own groups";
        EXPECT_EQ(status.at("CapEff"), "0000000000000000");
        EXPECT_EQ(status.at("CapPrm"), "0000000000000000");
    }
    struct stat info_log {};
    // Serves on both ports, the low one included.
    EXPECT_EQ(http_get(low, "/").status, 200);
    EXPECT_EQ(upstream.requests(), 1);
    // The log was given to the account, so it can reopen it after logrotate: SIGHUP works.
    ASSERT_EQ(::stat((dir.path + "/logs/access.log").c_str(), &info_log), 0);
    EXPECT_EQ(info_log.st_uid, uid);
    ASSERT_EQ(std::rename((dir.path + "/logs/access.log").c_str(), (dir.path + "/logs/access.log.1").c_str()), 0);
    ASSERT_EQ(::kill(proxy.pid, SIGHUP), 0);
    EXPECT_FALSE(proxy.wait_line("reloaded").empty()) << proxy.buffer;
    EXPECT_EQ(http_get(port_of_high, "/").status, 200);
    // The admin socket belongs to the account the agent would talk to it as.
    struct stat info {};
    ASSERT_EQ(::stat((dir.path + "/logs/admin.sock").c_str(), &info), 0);
    EXPECT_EQ(info.st_uid, uid);
}

TEST_F(NeverRoot, AsRootWithoutUserItRefusesAndSaysWhatToDo) {
    ConfigDir dir;
    const json config = {{"listeners", {{{"name", "h"}, {"address", "127.0.0.1:0"}}}}};
    Child proxy({FULCRUM_AGENT_BINARY, "proxy", "--config", dir.write(config)}, {}, true);
    EXPECT_EQ(proxy.wait_exit(5000), 1);
    proxy.drain();
    EXPECT_NE(proxy.buffer.find("refusing to run as root"), std::string::npos) << proxy.buffer;
    EXPECT_NE(proxy.buffer.find("\"user\""), std::string::npos) << proxy.buffer;
    EXPECT_NE(proxy.buffer.find("CAP_NET_BIND_SERVICE"), std::string::npos) << proxy.buffer;

    Child unknown({FULCRUM_AGENT_BINARY, "proxy", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:1", "--user",
                   "no-such-account-here"},
                  {}, true);
    EXPECT_EQ(unknown.wait_exit(5000), 1);
    unknown.drain();
    EXPECT_NE(unknown.buffer.find("no account named 'no-such-account-here'"), std::string::npos) << unknown.buffer;

    Child as_root({FULCRUM_AGENT_BINARY, "proxy", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:1", "--user", "root"}, {},
                  true);
    EXPECT_EQ(as_root.wait_exit(5000), 1);
    as_root.drain();
    EXPECT_NE(as_root.buffer.find("--user: must not be root"), std::string::npos) << as_root.buffer;
}
