#include "proxy/admin/admin_socket.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/proxy/admin/admin_test_client.h"

namespace fulcrum::proxy::admin {
namespace {

using testing::AdminClient;

class AdminSocketTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/fulcrum-admin-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        m_dir = pattern;
        m_path = m_dir + "/proxy.sock";
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    // Answers {"ok":true,"command":...} for valid requests, the parse error otherwise.
    static std::string echo(std::string_view line) {
        const auto parsed = parse_admin_request(line);
        if (!parsed.request) return error_line(parsed.id, parsed.error);
        return nlohmann::json{{"id", parsed.id}, {"ok", true}, {"command", to_string(parsed.request->command)}}.dump();
    }

    std::string m_dir;
    std::string m_path;
};

TEST_F(AdminSocketTest, AnswersJsonLinesWithMode0600) {
    AdminSocketServer server(m_path, echo);
    ASSERT_EQ(server.start(), "");
    struct stat info {};
    ASSERT_EQ(::lstat(m_path.c_str(), &info), 0);
    EXPECT_TRUE(S_ISSOCK(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0600u);

    AdminClient client(m_path);
    ASSERT_TRUE(client.connected());
    auto answer = nlohmann::json::parse(client.call(R"({"id": 1, "command": "stats"})"));
    EXPECT_EQ(answer["ok"], true);
    EXPECT_EQ(answer["command"], "stats");
    // Several lines in one write are answered in order.
    ASSERT_TRUE(client.send_raw("{\"id\":2,\"command\":\"metrics\"}\n{\"id\":3,\"command\":\"bogus\"}\n"));
    EXPECT_EQ(nlohmann::json::parse(client.read_line())["id"], 2);
    answer = nlohmann::json::parse(client.read_line());
    EXPECT_EQ(answer["id"], 3);
    EXPECT_EQ(answer["ok"], false);
    // The connection is still usable after an error.
    EXPECT_EQ(nlohmann::json::parse(client.call(R"({"command": "config"})"))["ok"], true);
}

TEST_F(AdminSocketTest, OverlongLineIsAnsweredAndDisconnected) {
    AdminLimits limits;
    limits.max_line_bytes = 1024;
    AdminSocketServer server(m_path, echo, limits);
    ASSERT_EQ(server.start(), "");
    AdminClient client(m_path);
    ASSERT_TRUE(client.connected());
    client.send_raw(std::string(4096, 'x'));
    const auto answer = nlohmann::json::parse(client.read_line());
    EXPECT_EQ(answer["ok"], false);
    EXPECT_NE(answer["error"].get<std::string>().find("too long"), std::string::npos);
    EXPECT_EQ(client.read_line(), "");  // closed
    // The server keeps serving others.
    AdminClient next(m_path);
    EXPECT_EQ(nlohmann::json::parse(next.call(R"({"command": "stats"})"))["ok"], true);
}

TEST_F(AdminSocketTest, HandlerExceptionsBecomeErrors) {
    AdminSocketServer server(m_path, [](std::string_view) -> std::string { throw std::runtime_error("boom"); });
    ASSERT_EQ(server.start(), "");
    AdminClient client(m_path);
    const auto answer = nlohmann::json::parse(client.call("{}"));
    EXPECT_EQ(answer["ok"], false);
    EXPECT_NE(answer["error"].get<std::string>().find("boom"), std::string::npos);
}

TEST_F(AdminSocketTest, ReplacesAStaleSocketButNeverAFileOrALiveSocket) {
    {
        std::ofstream(m_path) << "precious";
        AdminSocketServer server(m_path, echo);
        EXPECT_NE(server.start().find("not a socket"), std::string::npos);
        std::ifstream in(m_path);
        std::string content;
        in >> content;
        EXPECT_EQ(content, "precious");
        std::filesystem::remove(m_path);
    }
    {
        AdminSocketServer first(m_path, echo);
        ASSERT_EQ(first.start(), "");
        AdminSocketServer second(m_path, echo);
        EXPECT_NE(second.start().find("another process"), std::string::npos);
    }
    // A socket file left behind by a crash (nobody listening) is replaced.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    m_path.copy(address.sun_path, sizeof(address.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ::close(fd);
    AdminSocketServer server(m_path, echo);
    ASSERT_EQ(server.start(), "");
    AdminClient client(m_path);
    EXPECT_EQ(nlohmann::json::parse(client.call(R"({"command": "stats"})"))["ok"], true);
}

TEST_F(AdminSocketTest, OtherUsersCannotConnect) {
    if (::geteuid() != 0 || std::system("id fulcrum-test >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "needs root and the fulcrum-test user (resources/test-users.sh)";
    }
    ASSERT_EQ(::chmod(m_dir.c_str(), 0755), 0);  // let the other user reach the directory
    AdminSocketServer server(m_path, echo);
    ASSERT_EQ(server.start(), "");
    const std::string command =
        "setpriv --reuid=fulcrum-test --regid=fulcrum-test --init-groups /usr/bin/python3 -c \""
        "import socket,sys\n"
        "s=socket.socket(socket.AF_UNIX)\n"
        "try:\n"
        "  s.connect('" + m_path + "')\n"
        "except PermissionError:\n"
        "  sys.exit(3)\n"
        "sys.exit(0)\"";
    const int status = std::system(command.c_str());
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 3);
}

TEST_F(AdminSocketTest, StopRemovesTheSocket) {
    {
        AdminSocketServer server(m_path, echo);
        ASSERT_EQ(server.start(), "");
        AdminClient idle(m_path);  // a connected client must not keep stop() waiting
        ASSERT_TRUE(idle.connected());
        server.stop();
        EXPECT_FALSE(std::filesystem::exists(m_path));
    }
}

}  // namespace
}  // namespace fulcrum::proxy::admin
