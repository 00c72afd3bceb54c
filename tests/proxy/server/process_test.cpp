// The real binary: `fulcrum-agent proxy` in quick mode and with --config, in front of a real
// waitress-serve worker; SIGHUP reloads, SIGTERM stops gracefully. And a TLS listener.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <thread>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "proxy_fixture.h"
#include "test_child.h"
#include "tests/support/sanitized.h"
#include "tls_test_support.h"

extern char** environ;

using namespace fulcrum::proxy::testing;
using nlohmann::json;

TEST(ProxyProcess, QuickModeInFrontOfWaitressAndGracefulStop) {
    const auto worker_port = free_port();
    Child waitress({"/usr/bin/waitress-serve", "--listen=127.0.0.1:" + std::to_string(worker_port), "demo_app:application"},
                   FULCRUM_DEMO_DIR);
    ASSERT_TRUE(wait_connectable(worker_port));
    Child proxy({FULCRUM_AGENT_BINARY, "proxy", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + std::to_string(worker_port),
                 "--static", std::string("/static/=") + FULCRUM_DEMO_DIR + "/static", "--threads", "2", "--allow-root"});
    const auto port = port_of(proxy.wait_line("listener quick on"));
    ASSERT_NE(port, 0);
    auto response = http_get(port, "/");
    EXPECT_EQ(response.status, 200);
    EXPECT_NE(response.body.find(std::to_string(worker_port)), std::string::npos);
    response = http_get(port, "/static/style.css");
    EXPECT_EQ(response.status, 200);
    EXPECT_NE(response.headers["content-type"].find("text/css"), std::string::npos);
    ::kill(proxy.pid, SIGTERM);
    EXPECT_EQ(proxy.wait_exit(5000), 0);
}

TEST(ProxyProcess, SigtermLetsInFlightRequestsFinish) {
    TestUpstream slow("slow");
    slow.set_delay_ms(500);
    Child proxy({FULCRUM_AGENT_BINARY, "proxy", "--listen", "127.0.0.1:0", "--to", slow.address(), "--allow-root"});
    const auto port = port_of(proxy.wait_line("listener quick on"));
    ASSERT_NE(port, 0);
    TestClient keep(port);
    keep.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // in flight upstream now
    const auto started = std::chrono::steady_clock::now();
    ::kill(proxy.pid, SIGTERM);
    auto response = keep.read_response();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.headers["connection"], "close");
    EXPECT_EQ(proxy.wait_exit(5000), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
    EXPECT_FALSE(TestClient(port).connected());
}

TEST(ProxyProcess, ConfigFileReloadsOnSighupAndRefusesBadConfig) {
    TestUpstream a("a"), b("b");
    const auto dir = std::filesystem::temp_directory_path() / ("fulcrum-proc-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = (dir / "config.json").string();
    auto write = [&](const std::string& server) {
        std::ofstream(file) << json{{"threads", 1},
                                    {"listeners", {{{"name", "web"}, {"address", "127.0.0.1:0"}}}},
                                    {"routes", {{{"path_prefix", "/"}, {"pool", "p"}}}},
                                    {"pools", {{{"name", "p"}, {"servers", {{{"address", server}}}}}}}}
                                   .dump(2);
    };
    write(a.address());
    Child proxy({FULCRUM_AGENT_BINARY, "proxy", "--config", file, "--allow-root"});
    const auto port = port_of(proxy.wait_line("listener web on"));
    ASSERT_NE(port, 0);
    EXPECT_EQ(http_get(port, "/").headers["x-upstream"], "a");
    write(b.address());
    ::kill(proxy.pid, SIGHUP);
    proxy.wait_line("listener web on");
    EXPECT_EQ(http_get(port, "/").headers["x-upstream"], "b");
    std::ofstream(file) << "{\"pools\": [{\"name\": 1}]}";
    ::kill(proxy.pid, SIGHUP);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(http_get(port, "/").headers["x-upstream"], "b");  // the bad file changed nothing
    ::kill(proxy.pid, SIGTERM);
    EXPECT_EQ(proxy.wait_exit(5000), 0);
    std::filesystem::remove_all(dir);
}

TEST(ProxyProcess, RefusesRootWithoutFlagAndBadQuickFlags) {
    if (::geteuid() == 0) {
        Child root({FULCRUM_AGENT_BINARY, "proxy", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:1"});
        EXPECT_EQ(root.wait_exit(5000), 1);
    }
    Child bad({FULCRUM_AGENT_BINARY, "proxy", "--listen", "127.0.0.1:0", "--to", "nowhere", "--allow-root"});
    EXPECT_EQ(bad.wait_exit(5000), 1);
}

TEST_F(ProxyFixture, TlsListenerServesHttpsWithHsts) {
    fulcrum::proxy::tls::testing::TempDir dir;
    const auto files = fulcrum::proxy::tls::testing::write_self_signed(dir.path(), "site", {"localhost"});
    add_upstreams(1);
    json config = pool_config({{"name", "app"}, {"servers", servers_json()}});
    config["listeners"][0]["tls"] = {{"certificates", {{{"cert", files.cert_path}, {"key", files.key_path}}}}};
    config["listeners"][0]["hsts_max_age"] = 3600;
    start(config);
    const auto ctx = fulcrum::proxy::tls::testing::client_context(TLS1_2_VERSION);
    for (int round = 0; round < 2; ++round) {
        TestClient tcp(port);
        ASSERT_TRUE(tcp.connected());
        // Borrow the client's descriptor for OpenSSL.
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port);
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        SSL* ssl = SSL_new(ctx.get());
        SSL_set_fd(ssl, fd);
        SSL_set_tlsext_host_name(ssl, "localhost");
        ASSERT_EQ(SSL_connect(ssl), 1);
        const std::string request = "GET /tls HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        SSL_write(ssl, request.data(), static_cast<int>(request.size()));
        std::string answer;
        char data[4096];
        int n;
        while ((n = SSL_read(ssl, data, sizeof data)) > 0) answer.append(data, static_cast<std::size_t>(n));
        EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
        EXPECT_NE(answer.find("Strict-Transport-Security: max-age=3600"), std::string::npos) << answer;
        EXPECT_NE(answer.find("u0"), std::string::npos);
        SSL_free(ssl);
        ::close(fd);
    }
    EXPECT_EQ(upstreams[0]->recorded().at(0).headers.at("x-forwarded-proto"), "https");
    // Plain bytes on the TLS port are not served.
    TestClient plain(port);
    plain.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(plain.read_all(1000).find("200"), std::string::npos);
}

TEST_F(ProxyFixture, RedirectToHttps) {
    fulcrum::proxy::tls::testing::TempDir dir;
    const auto files = fulcrum::proxy::tls::testing::write_self_signed(dir.path(), "site", {"localhost"});
    add_upstreams(1);
    json config = pool_config({{"name", "app"}, {"servers", servers_json()}});
    const auto https_port = std::to_string(free_port());
    config["listeners"] = json::array({{{"name", "http"}, {"address", "127.0.0.1:0"}, {"redirect_to_https", true}},
                                       {{"name", "https"}, {"address", "127.0.0.1:" + https_port},
                                        {"tls", {{"certificates", {{{"cert", files.cert_path}, {"key", files.key_path}}}}}}}});
    start(config);
    const auto response = http_get(port, "/a?b");
    EXPECT_EQ(response.status, 308);
    EXPECT_EQ(response.headers.at("location"), "https://test.local:" + https_port + "/a?b");
}

// Item 1's "sendfile on plain HTTP", seen from outside: the real binary under strace serves a
// 256 KiB file (whole, then a range) and the bytes leave by sendfile(2), not through a buffer.
TEST(ProxyProcess, PlainHttpStaticFilesLeaveBySendfile) {
    fulcrum::proxy::tls::testing::TempDir dir;
    const std::string content(256 * 1024, 'x');
    std::ofstream(dir.path() + "/big.bin") << content;
    const auto trace = dir.path() + "/trace.txt";
    std::vector<std::string> argv{"/usr/bin/strace", "-f", "-qq", "-e", "trace=sendfile", "-o", trace};
#ifdef FULCRUM_SANITIZED
    // LeakSanitizer cannot run under ptrace and aborts at exit; every other proxy test checks leaks.
    argv.insert(argv.end(), {"-E", "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1"});
#endif
    argv.insert(argv.end(), {FULCRUM_AGENT_BINARY, "proxy", "--listen", "127.0.0.1:0", "--static", "/s/=" + dir.path(),
                             "--threads", "1", "--allow-root"});
    Child proxy(argv);
    const auto port = port_of(proxy.wait_line("listener quick on"));
    ASSERT_NE(port, 0) << "the proxy did not start under strace (is ptrace allowed here?)";
    // The proxy is strace's child; strace exits with it (a signal to strace would only detach,
    // and leave the proxy running), so signals go to the proxy itself.
    std::ifstream children("/proc/" + std::to_string(proxy.pid) + "/task/" + std::to_string(proxy.pid) + "/children");
    pid_t agent = 0;
    children >> agent;
    ASSERT_GT(agent, 0);
    struct KillOnExit {
        pid_t pid;
        ~KillOnExit() { ::kill(pid, SIGKILL); }  // a failed assertion must not leave it behind
    } guard{agent};
    auto response = http_get(port, "/s/big.bin");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body.size(), content.size());
    response = http_get(port, "/s/big.bin", "Range: bytes=1000-200999\r\n");
    EXPECT_EQ(response.status, 206);
    EXPECT_EQ(response.body.size(), 200000u);
    ::kill(agent, SIGTERM);
    EXPECT_EQ(proxy.wait_exit(10000), 0);
    std::ifstream in(trace);
    std::uint64_t sent = 0;
    int calls = 0;
    for (std::string line; std::getline(in, line);) {
        // With -f a call may be split into "<unfinished ...>" and "<... sendfile resumed>".
        if (line.find("sendfile") == std::string::npos || line.find("<unfinished") != std::string::npos) continue;
        ++calls;
        const auto eq = line.rfind("= ");
        if (eq == std::string::npos) continue;
        const auto n = std::strtoll(line.c_str() + eq + 2, nullptr, 10);  // -1 EAGAIN: nothing sent
        if (n > 0) sent += static_cast<std::uint64_t>(n);
    }
    EXPECT_GE(calls, 2);
    EXPECT_EQ(sent, content.size() + 200000u) << "bytes sent by sendfile";
}
