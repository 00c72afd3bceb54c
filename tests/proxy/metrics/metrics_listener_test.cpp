#include "proxy/metrics/metrics_listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>

namespace fulcrum::proxy::metrics {
namespace {

// One HTTP exchange over a real loopback socket; returns everything the server sent.
std::string exchange(const asio::ip::tcp::endpoint& endpoint, const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(endpoint.port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        ::close(fd);
        return {};
    }
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string out;
    char buffer[4096];
    while (true) {
        const auto n = ::recv(fd, buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

TEST(MetricsListener, ServesMetricsOnLoopbackOnly) {
    std::atomic<int> scrapes{0};
    MetricsListener listener("127.0.0.1:0", [&] {
        ++scrapes;
        return std::string("fulcrum_up 1\n");
    });
    ASSERT_EQ(listener.start(), "");
    ASSERT_NE(listener.endpoint().port(), 0);

    auto reply = exchange(listener.endpoint(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
    EXPECT_NE(reply.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(reply.find("\r\n\r\nfulcrum_up 1\n"), std::string::npos);
    EXPECT_EQ(scrapes.load(), 1);

    EXPECT_EQ(exchange(listener.endpoint(), "GET / HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
    EXPECT_EQ(exchange(listener.endpoint(), "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
    EXPECT_EQ(exchange(listener.endpoint(), "garbage\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
    EXPECT_EQ(exchange(listener.endpoint(), "GET /metrics HTTP/1.1\r\n" + std::string(10000, 'a'))
                  .rfind("HTTP/1.1 431", 0),
              0u);
    reply = exchange(listener.endpoint(), "HEAD /metrics HTTP/1.1\r\n\r\n");
    EXPECT_EQ(reply.find("fulcrum_up"), std::string::npos);
    EXPECT_NE(reply.find("Content-Length: 13"), std::string::npos);
}

TEST(MetricsListener, RefusesNonLoopbackAndBadAddresses) {
    auto render = [] { return std::string(); };
    EXPECT_NE(MetricsListener("0.0.0.0:0", render).start().find("loopback"), std::string::npos);
    EXPECT_NE(MetricsListener("192.0.2.1:9100", render).start().find("loopback"), std::string::npos);
    EXPECT_NE(MetricsListener("localhost:9100", render).start().find("not an IP"), std::string::npos);
    EXPECT_NE(MetricsListener("127.0.0.1:99999", render).start().find("bad port"), std::string::npos);
    EXPECT_NE(MetricsListener("127.0.0.1", render).start(), "");
    MetricsListener v6("[::1]:0", render);
    EXPECT_EQ(v6.start(), "");
}

}  // namespace
}  // namespace fulcrum::proxy::metrics
