// The access log with real traffic through the real proxy: every line matches what the
// client saw (status, bytes on the wire, which upstream, how long, from where), hostile
// request bytes cannot forge a line or a field, JSON lines parse, and the file is reopened
// on a config replace (logrotate renames it first).
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "proxy/log/access_log.h"
#include "proxy_fixture.h"

using namespace fulcrum::proxy::testing;
using nlohmann::json;

namespace {

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

// A directory of its own for each test, removed afterwards.
struct LogDir {
    LogDir() {
        char pattern[] = "/tmp/fulcrum-access-log-XXXXXX";
        path = ::mkdtemp(pattern) ? pattern : "";
    }
    ~LogDir() { std::filesystem::remove_all(path); }
    std::string path;
};

// Waits for the time-based flush (the loops tick once a second) to bring `count` lines.
std::vector<std::string> wait_lines(const std::string& path, std::size_t count) {
    for (int i = 0; i < 100; ++i) {
        auto lines = read_lines(path);
        if (lines.size() >= count) return lines;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return read_lines(path);
}

// One request on its own connection; returns every byte the client got.
std::string round_trip(std::uint16_t port, const std::string& request) {
    TestClient client(port);
    client.send(request);
    return client.read_all(3000);
}

}  // namespace

class AccessLogTest : public ProxyFixture {
protected:
    void start_logging(const std::string& format) {
        add_upstreams(2);
        upstreams[1]->set_delay_ms(300);
        auto config = pool_config({{"name", "app"}, {"servers", servers_json()}});
        config["access_log"] = {{"path", log_path}, {"format", format}};
        start(config);
    }
    LogDir dir;
    std::string log_path = dir.path + "/access.log";
};

TEST_F(AccessLogTest, JsonLinesMatchTheTrafficAndHostileBytesStayInsideTheirField) {
    start_logging("json");
    // Round robin: the first request goes to u0, the second to the slow u1.
    const auto fast = round_trip(port, "GET /fast?q=1 HTTP/1.1\r\nHost: a.test\r\nUser-Agent: curl/8\r\nConnection: close\r\n\r\n");
    const auto slow = round_trip(port, "GET /slow HTTP/1.1\r\nHost: a.test\r\nReferer: http://r.test/\r\nConnection: close\r\n\r\n");
    // A user agent built to end the JSON string and forge fields, with invalid UTF-8, valid
    // UTF-8 and a tab (all legal in a field value), and a target with a quote.
    const std::string evil_agent = "x\", \"status\": 999, \"upstream\": \"evil\" }\t\xff\xfe\xc3\xa9\\";
    const auto evil = round_trip(port, "GET /q\"x HTTP/1.1\r\nHost: a.test\r\nUser-Agent: " + evil_agent +
                                         "\r\nConnection: close\r\n\r\n");
    const auto refused = round_trip(port, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
    ASSERT_EQ(refused.rfind("HTTP/1.1 400", 0), 0u) << refused;

    const auto lines = wait_lines(log_path, 4);
    ASSERT_EQ(lines.size(), 4u);
    std::vector<json> entries;
    for (const auto& line : lines) {
        auto parsed = json::parse(line, nullptr, false);
        ASSERT_FALSE(parsed.is_discarded()) << line;
        entries.push_back(parsed);
    }
    // Order of lines follows completion; sort out by target.
    const auto by_target = [&](const std::string& target) {
        for (const auto& e : entries) {
            if (e["target"] == target) return e;
        }
        return json();
    };
    const auto f = by_target("/fast?q=1");
    ASSERT_FALSE(f.is_null());
    EXPECT_EQ(f["status"], 200);
    EXPECT_EQ(f["bytes_sent"], fast.size());
    EXPECT_EQ(f["upstream"], upstreams[0]->address());
    EXPECT_EQ(f["client"], "127.0.0.1");
    EXPECT_EQ(f["listener"], "http");
    EXPECT_EQ(f["method"], "GET");
    EXPECT_EQ(f["protocol"], "HTTP/1.1");
    EXPECT_EQ(f["host"], "a.test");
    EXPECT_EQ(f["user_agent"], "curl/8");
    EXPECT_LT(f["duration_ms"].get<double>(), 300.0);
    EXPECT_TRUE(std::regex_match(f["time"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));

    const auto s = by_target("/slow");
    ASSERT_FALSE(s.is_null());
    EXPECT_EQ(s["upstream"], upstreams[1]->address());
    EXPECT_EQ(s["bytes_sent"], slow.size());
    EXPECT_GE(s["duration_ms"].get<double>(), 300.0);
    EXPECT_EQ(s["referer"], "http://r.test/");

    const auto e = by_target("/q\"x");
    ASSERT_FALSE(e.is_null()) << lines[2];
    EXPECT_EQ(e["status"], 200);
    EXPECT_EQ(e["bytes_sent"], evil.size());
    // Every byte accounted for: invalid UTF-8 as U+00FF/U+00FE, the valid é kept.
    EXPECT_EQ(e["user_agent"], "x\", \"status\": 999, \"upstream\": \"evil\" }\t\u00ff\u00fe\u00e9\\");
    EXPECT_NE(e["upstream"], "evil");

    // The refused request: logged with its status and no request line.
    json bad;
    for (const auto& entry : entries) {
        if (entry["status"] == 400) bad = entry;
    }
    ASSERT_FALSE(bad.is_null());
    EXPECT_EQ(bad["method"], "");
    EXPECT_TRUE(bad["upstream"].is_null());
    EXPECT_EQ(bad["bytes_sent"], refused.size());
    EXPECT_EQ(upstreams[0]->requests() + upstreams[1]->requests(), 3);
}

TEST_F(AccessLogTest, CombinedLinesAreNginxCompatibleAndCannotBeForged) {
    start_logging("combined");
    const auto ok = round_trip(port, "GET /a HTTP/1.1\r\nHost: a.test\r\nUser-Agent: Mozilla/5.0 (X11)\r\nConnection: close\r\n\r\n");
    // A user agent that tries to close the quoted field and fake the rest of a line.
    round_trip(port, "GET /b HTTP/1.1\r\nHost: a.test\r\nUser-Agent: \" 200 1 \"-\" \"forged\\\" \xc3\x28\r\nConnection: close\r\n\r\n");
    const auto lines = wait_lines(log_path, 2);
    ASSERT_EQ(lines.size(), 2u);
    // nginx "combined" and then key="value" extras; a quoted field never contains a bare quote.
    const std::regex combined(
        R"re(^(\S+) - - \[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000)\] "((?:[^"\\]|\\x[0-9a-f]{2})*)" (\d{3}) (\d+) )re"
        R"re("((?:[^"\\]|\\x[0-9a-f]{2})*)" "((?:[^"\\]|\\x[0-9a-f]{2})*)" host="([^"]*)" listener="([^"]*)" )re"
        R"re(upstream="([^"]*)" rt=(\d+\.\d{3})$)re");
    std::map<std::string, std::smatch> by_request;
    std::vector<std::smatch> matches(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        ASSERT_TRUE(std::regex_match(lines[i], matches[i], combined)) << lines[i];
        by_request[matches[i][3].str()] = matches[i];
    }
    ASSERT_EQ(by_request.count("GET /a HTTP/1.1"), 1u);
    const auto& a = by_request["GET /a HTTP/1.1"];
    EXPECT_EQ(a[1].str(), "127.0.0.1");
    EXPECT_EQ(a[4].str(), "200");
    EXPECT_EQ(a[5].str(), std::to_string(ok.size()));
    EXPECT_EQ(a[6].str(), "-");
    EXPECT_EQ(a[7].str(), "Mozilla/5.0 (X11)");
    EXPECT_EQ(a[8].str(), "a.test");
    EXPECT_EQ(a[9].str(), "http");
    EXPECT_EQ(a[10].str(), upstreams[0]->address());
    ASSERT_EQ(by_request.count("GET /b HTTP/1.1"), 1u);
    EXPECT_EQ(by_request["GET /b HTTP/1.1"][7].str(), "\\x22 200 1 \\x22-\\x22 \\x22forged\\x5c\\x22 \\xc3(");
}

TEST_F(AccessLogTest, ReopensOnReplaceForLogrotateAndTurnsOff) {
    start_logging("json");
    round_trip(port, "GET /before HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    ASSERT_EQ(wait_lines(log_path, 1).size(), 1u);
    // logrotate: rename, then tell the proxy (SIGHUP does a replace_config of the same file).
    const auto rotated = log_path + ".1";
    ASSERT_EQ(std::rename(log_path.c_str(), rotated.c_str()), 0);
    std::vector<fulcrum::proxy::config::ConfigError> errors;
    auto config = proxy->snapshot()->live_config();
    ASSERT_TRUE(proxy->replace_config(config, errors));
    round_trip(port, "GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const auto fresh = wait_lines(log_path, 1);
    ASSERT_EQ(fresh.size(), 1u);
    EXPECT_EQ(json::parse(fresh[0])["target"], "/after");
    EXPECT_EQ(read_lines(rotated).size(), 1u);

    // A path that cannot be opened is refused with its JSON path; the running log stays.
    auto broken = config;
    broken.access_log->path = dir.path + "/missing-dir/access.log";
    EXPECT_FALSE(proxy->replace_config(broken, errors));
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors[0].path, "access_log.path");
    EXPECT_NE(errors[0].message.find("missing-dir"), std::string::npos);

    // Off: no more lines.
    config.access_log.reset();
    errors.clear();
    ASSERT_TRUE(proxy->replace_config(config, errors));
    round_trip(port, "GET /off HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    proxy->stop();
    EXPECT_EQ(read_lines(log_path).size(), 1u);
}

TEST_F(AccessLogTest, ManyKeepAliveRequestsFromSeveralThreadsAreAllLoggedWhole) {
    start_logging("json");
    upstreams[1]->set_delay_ms(0);
    constexpr int kClients = 4;
    constexpr int kRequests = 300;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            TestClient client(port);
            for (int i = 0; i < kRequests; ++i) {
                client.send("GET /c" + std::to_string(c) + "/" + std::to_string(i) + "?" + std::string(200, 'p') +
                            " HTTP/1.1\r\nHost: a\r\n\r\n");
                if (client.read_response().status != 200) return;
            }
        });
    }
    for (auto& t : clients) t.join();
    proxy->stop();  // flushes every thread's buffer
    const auto lines = read_lines(log_path);
    ASSERT_EQ(lines.size(), static_cast<std::size_t>(kClients * kRequests));
    std::set<std::string> targets;
    for (const auto& line : lines) {
        const auto entry = json::parse(line, nullptr, false);
        ASSERT_FALSE(entry.is_discarded()) << line;
        targets.insert(entry["target"].get<std::string>());
    }
    EXPECT_EQ(targets.size(), lines.size());
}
