// HTTP/1.1 handling through the real proxy: framing, smuggling defences, limits, timeouts,
// keep-alive, pipelining, forwarded headers, static routes.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "proxy_fixture.h"

using namespace fulcrum::proxy::testing;
using nlohmann::json;

class Pipeline : public ProxyFixture {
protected:
    void start_default(fulcrum::proxy::server::ServerOptions options = {}) {
        add_upstreams(1);
        start(pool_config({{"name", "app"}, {"servers", servers_json()}}), options);
    }
    std::string exchange(const std::string& bytes) {
        TestClient client(port);
        client.send(bytes);
        return client.read_all(2000);
    }
};

TEST_F(Pipeline, ForwardsWithForwardedHeadersAndHostPreserved) {
    start_default();
    TestClient client(port);
    client.send("GET /a?b=1 HTTP/1.1\r\nHost: Example.COM:8080\r\nX-Forwarded-For: 10.0.0.1\r\n"
                "X-Forwarded-Proto: gopher\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: 5\r\n"
                "TE: trailers\r\n\r\n");
    const auto response = client.read_response();
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.headers.at("x-seen-for"), "10.0.0.1, 127.0.0.1");
    const auto seen = upstreams[0]->recorded().at(0);
    EXPECT_EQ(seen.target, "/a?b=1");
    EXPECT_EQ(seen.headers.at("host"), "Example.COM:8080");
    EXPECT_EQ(seen.headers.at("x-forwarded-proto"), "http");
    EXPECT_EQ(seen.headers.at("x-forwarded-host"), "Example.COM:8080");
    EXPECT_EQ(seen.headers.count("x-secret"), 0u);
    EXPECT_EQ(seen.headers.count("keep-alive"), 0u);
    EXPECT_EQ(seen.headers.count("te"), 0u);
    EXPECT_EQ(seen.headers.count("connection"), 0u);
}

TEST_F(Pipeline, PipelinedRequestsAnswerInOrder) {
    start_default();
    TestClient client(port);
    std::string batch;
    for (int i = 0; i < 5; ++i) batch += "POST /p" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n" + std::to_string(i) + "!";
    client.send(batch);
    for (int i = 0; i < 5; ++i) {
        const auto response = client.read_response();
        ASSERT_EQ(response.status, 200);
        EXPECT_EQ(response.body, "u0:" + std::to_string(i) + "!");
    }
}

// One loop thread, one client that always has requests waiting (pipelined batches, back to
// back) and one that asks one at a time: the busy connection must not starve the other. Reads
// that find the socket drained wait for epoll's edge and reads that fill the buffer go on at
// once (drained_read.h); either way every completion takes its turn in the loop's queue.
TEST_F(Pipeline, AConnectionThatAlwaysHasRequestsDoesNotStarveAnother) {
    add_upstreams(1);
    auto config = pool_config({{"name", "app"}, {"servers", servers_json()}});
    config["threads"] = 1;
    start(config);
    std::atomic<bool> stop{false};
    std::atomic<int> busy_answers{0};
    // A firehose: one thread keeps up to 2,000 pipelined requests (~70 KB, over two read
    // buffers) ahead of the answers another thread reads, so the proxy's reads on this
    // connection keep finding a full buffer. Bounded, so it drains at once when stopped.
    TestClient client(port);
    std::thread busy([&] {
        std::thread reader([&] {
            while (client.read_response(false, 2000).status == 200) ++busy_answers;
        });
        std::string batch;
        for (int i = 0; i < 50; ++i) batch += "GET /busy HTTP/1.1\r\nHost: x\r\n\r\n";
        int sent = 0;
        while (!stop) {
            if (sent - busy_answers > 2000) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                continue;
            }
            if (!client.send(batch)) break;
            sent += 50;
        }
        reader.join();
    });
    struct Joiner {
        std::atomic<bool>& stop;
        std::thread& thread;
        ~Joiner() {
            stop = true;
            thread.join();
        }
    } joiner{stop, busy};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (busy_answers < 100 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_GE(busy_answers, 100) << "the busy client got no answers";
    TestClient polite(port);
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(polite.send("GET /polite HTTP/1.1\r\nHost: x\r\n\r\n"));
        // Generous: answered in milliseconds unless starved until the busy client stops.
        const auto response = polite.read_response(false, 3000);
        ASSERT_EQ(response.status, 200) << "request " << i << " starved";
    }
    EXPECT_GT(busy_answers, 100);  // the busy client kept the loop busy the whole time
}

TEST_F(Pipeline, ChunkedRequestBodyIsStreamedAndReframed) {
    start_default();
    TestClient client(port);
    client.send("PUT /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    client.send("6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
    const auto response = client.read_response();
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "u0:hello world");
}

TEST_F(Pipeline, ExpectContinueIsAnsweredByTheProxy) {
    start_default();
    TestClient client(port);
    client.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    const auto interim = client.read_response();
    EXPECT_EQ(interim.status, 100);
    client.send("data");
    const auto response = client.read_response();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "u0:data");
    EXPECT_EQ(upstreams[0]->recorded().at(0).headers.count("expect"), 0u);
}

// Every one of these must be refused at the proxy and never reach the upstream.
TEST_F(Pipeline, SmugglingAndMalformedRequestsNeverReachUpstream) {
    start_default();
    const std::vector<std::pair<std::string, int>> cases = {
        {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400},
        {"GET / HTTP/1.1\nHost: x\n\n", 400},
        {std::string("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 36), 400},
        {"GET / HTTP/1.1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", 400},
        {"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 501},
        {"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", 501},
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
        {"GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"GET /  HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
    };
    for (const auto& [request, expected] : cases) {
        const auto answer = exchange(request);
        ASSERT_GE(answer.size(), 12u) << request;
        EXPECT_EQ(std::atoi(answer.c_str() + 9), expected) << request << "\n" << answer;
        EXPECT_NE(answer.find("Connection: close"), std::string::npos) << request;
    }
    // Chunked bodies that failed mid-way may have sent a head upstream; nothing else did.
    for (const auto& r : upstreams[0]->recorded()) {
        EXPECT_EQ(r.method, "POST") << r.target;
    }
    EXPECT_LE(upstreams[0]->requests(), 2);
}

// Empty lines before the request line are skipped (RFC 9112 2.2), and the checks still see every
// field after them: obs-fold behind "\r\n\r\n" reached the upstream before.
TEST_F(Pipeline, LeadingEmptyLinesDoNotHideObsFold) {
    start_default();
    const auto answer = exchange("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n");
    ASSERT_GE(answer.size(), 12u) << answer;
    EXPECT_EQ(std::atoi(answer.c_str() + 9), 400) << answer;
    EXPECT_EQ(upstreams[0]->requests(), 0);
    EXPECT_EQ(std::atoi(exchange("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").c_str() + 9), 200);
}

TEST_F(Pipeline, LimitsAnswer414And431And413) {
    fulcrum::proxy::server::ServerOptions options;
    options.limits.max_body_bytes = 1000;
    start_default(options);
    EXPECT_EQ(http_get(port, "/" + std::string(9000, 'a')).status, 414);
    EXPECT_EQ(http_get(port, "/", "X-Big: " + std::string(40000, 'b') + "\r\n").status, 431);
    std::string many;
    for (int i = 0; i < 150; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
    EXPECT_EQ(http_get(port, "/", many).status, 431);
    TestClient client(port);
    client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    EXPECT_EQ(client.read_response().status, 413);
    TestClient chunked(port);
    chunked.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + std::string(2048, 'c') + "\r\n0\r\n\r\n");
    const auto answer = chunked.read_all(2000);
    // The head may already be upstream (streaming); the client still never gets a 200.
    EXPECT_EQ(answer.find("200 X"), std::string::npos) << answer;
    EXPECT_EQ(upstreams[0]->requests(), 0);
}

// A head that arrives in pieces is read on until it is whole (the request loop reads more only
// then), on the first request of a connection and on a later one.
TEST_F(Pipeline, HeadsArrivingInPiecesAreAnswered) {
    start_default();
    TestClient client(port);
    for (int round = 0; round < 2; ++round) {
        for (const char* piece : {"GET /pieces HTTP/1.1\r\nHo", "st: x\r\nX-A: ", "a\r\n", "\r\n"}) {
            client.send(piece);
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
        }
        EXPECT_EQ(client.read_response().status, 200) << round;
    }
    EXPECT_EQ(upstreams[0]->requests(), 2);
}

TEST_F(Pipeline, SlowlorisGets408AndIdleKeepAliveCloses) {
    fulcrum::proxy::server::ServerOptions options;
    options.header_timeout_ms = 300;
    options.idle_timeout_ms = 300;
    start_default(options);
    TestClient slow(port);
    slow.send("GET / HTTP/1.1\r\nHost: x\r\n");
    const auto started = std::chrono::steady_clock::now();
    const auto answer = slow.read_all(3000);
    EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2000));
    TestClient idle(port);
    idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(idle.read_response().status, 200);
    const auto rest = idle.read_all(2000);  // closed by the idle timeout, no bytes
    EXPECT_TRUE(rest.empty()) << rest;
}

TEST_F(Pipeline, Http10ClientsAndHeadRequests) {
    start_default();
    TestClient client(port);
    client.send("GET / HTTP/1.0\r\n\r\n");
    auto answer = client.read_all(2000);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos);
    TestClient head(port);
    head.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(head.read_response(true).status, 200);
    const auto second = head.read_response();
    EXPECT_EQ(second.status, 200);
    EXPECT_EQ(second.body, "u0");
}

TEST_F(Pipeline, NoRouteIs404) {
    add_upstreams(1);
    auto config = pool_config({{"name", "app"}, {"servers", servers_json()}});
    config["routes"] = json::array({{{"path_prefix", "/api/"}, {"host", "api.example.com"}, {"pool", "app"}}});
    start(config);
    EXPECT_EQ(http_get(port, "/api/x").status, 404);
    TestClient client(port);
    client.send("GET /api/x HTTP/1.1\r\nHost: API.example.com:80\r\n\r\n");
    EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(Pipeline, StaticRouteServesFilesAndRefusesEscapes) {
    const auto dir = std::filesystem::temp_directory_path() / ("fulcrum-static-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir / "assets");
    std::ofstream(dir / "assets" / "app.css") << "body{color:red}";
    std::ofstream(dir / ".env") << "SECRET=1";
    std::filesystem::create_symlink("/etc/passwd", dir / "assets" / "passwd");
    add_upstreams(1);
    auto config = pool_config({{"name", "app"}, {"servers", servers_json()}});
    config["routes"] = json::array({{{"path_prefix", "/static/"}, {"static", {{"root", dir.string()}, {"cache_control", "public, max-age=60"}}}},
                                    {{"path_prefix", "/"}, {"pool", "app"}}});
    start(config);
    auto response = http_get(port, "/static/assets/app.css");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "body{color:red}");
    EXPECT_EQ(response.headers["cache-control"], "public, max-age=60");
    EXPECT_NE(response.headers["content-type"].find("text/css"), std::string::npos);
    const auto etag = response.headers["etag"];
    EXPECT_EQ(http_get(port, "/static/assets/app.css", "If-None-Match: " + etag + "\r\n").status, 304);
    EXPECT_EQ(http_get(port, "/static/assets/app.css", "Range: bytes=0-3\r\n").body, "body");
    for (const char* bad : {"/static/../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/.env",
                            "/static/assets/passwd", "/static/assets%2fapp.css", "/static/%252e%252e/x"}) {
        const auto r = http_get(port, bad);
        EXPECT_TRUE(r.status == 400 || r.status == 404) << bad << " -> " << r.status;
        EXPECT_EQ(r.body.find("root:"), std::string::npos) << bad;
    }
    EXPECT_EQ(upstreams[0]->requests(), 0);
    std::filesystem::remove_all(dir);
}

// Small files come from a per-thread cache for a second: a hit answers exactly what the full
// path answered, with this connection's own lines; conditional requests still get their 304;
// a file changed on disk is served fresh within the cache's second.
TEST_F(Pipeline, SmallStaticFilesAreCachedBrieflyAndExactly) {
    const auto dir = std::filesystem::temp_directory_path() / ("fulcrum-small-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "a.txt") << "version one";
    add_upstreams(1);
    auto config = pool_config({{"name", "app"}, {"servers", servers_json()}});
    config["threads"] = 1;  // one loop thread: the second request surely meets the first's entry
    config["routes"] = json::array({{{"path_prefix", "/static/"}, {"static", {{"root", dir.string()}}}},
                                    {{"path_prefix", "/"}, {"pool", "app"}}});
    start(config);
    const auto raw = [&](const std::string& request) {
        TestClient client(port);
        client.send(request);
        return client.read_all(3000);
    };
    const std::string get = "GET /static/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const auto first = raw(get);
    ASSERT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
    EXPECT_EQ(raw(get), first);  // byte for byte, Connection: close included
    const auto head = raw("HEAD /static/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(head, first.substr(0, first.find("\r\n\r\n") + 4));
    TestClient keep(port);
    keep.send("GET /static/a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /static/a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(keep.read_response().body, "version one");
    EXPECT_EQ(keep.read_response().body, "version one");
    const auto etag = http_get(port, "/static/a.txt").headers["etag"];
    EXPECT_EQ(http_get(port, "/static/a.txt", "If-None-Match: " + etag + "\r\n").status, 304);
    EXPECT_EQ(http_get(port, "/static/a.txt", "Range: bytes=0-6\r\n").body, "version");

    std::ofstream(dir / "a.txt", std::ios::trunc) << "version two, longer";
    const auto changed = std::chrono::steady_clock::now();
    std::string body;
    while (std::chrono::steady_clock::now() - changed < std::chrono::milliseconds(3000)) {
        body = http_get(port, "/static/a.txt").body;
        if (body == "version two, longer") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(body, "version two, longer");
    EXPECT_LT(std::chrono::steady_clock::now() - changed, std::chrono::milliseconds(1500));
    std::filesystem::remove(dir / "a.txt");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_EQ(http_get(port, "/static/a.txt").status, 404);
    EXPECT_EQ(upstreams[0]->requests(), 0);
    std::filesystem::remove_all(dir);
}

// A file larger than the widened send buffer (session.cpp, kLargeFileBytes) goes out by
// reactor-driven sendfile through many full-buffer waits: every byte in order, then a range
// of its tail and the next request on the same keep-alive connection; the listener's byte
// counter covers both bodies.
TEST_F(Pipeline, LargeStaticFileArrivesWholeAndTheConnectionGoesOn) {
    const auto dir = std::filesystem::temp_directory_path() / ("fulcrum-large-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::string content(12 << 20, '\0');
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + (i * 13 + i / 65536) % 26);
    std::ofstream(dir / "big.bin", std::ios::binary) << content;
    std::ofstream(dir / "small.txt") << "small";
    add_upstreams(1);
    auto config = pool_config({{"name", "app"}, {"servers", servers_json()}});
    config["routes"] = json::array({{{"path_prefix", "/static/"}, {"static", {{"root", dir.string()}}}},
                                    {{"path_prefix", "/"}, {"pool", "app"}}});
    start(config);
    TestClient client(port);
    ASSERT_TRUE(client.send("GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_EQ(response.status, 200);
    ASSERT_EQ(response.body.size(), content.size());
    EXPECT_TRUE(response.body == content) << "the body differs from the file";
    ASSERT_TRUE(client.send("GET /static/big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=6000000-\r\n\r\n"));
    response = client.read_response();
    ASSERT_EQ(response.status, 206);
    EXPECT_TRUE(response.body == content.substr(6000000)) << response.body.size() << " bytes";
    ASSERT_TRUE(client.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(client.read_response().body, "small");
    EXPECT_GT(proxy->stats()["listeners"][0]["bytes_out"].get<std::uint64_t>(), content.size() * 2 - 6000000);
    std::filesystem::remove_all(dir);
}
