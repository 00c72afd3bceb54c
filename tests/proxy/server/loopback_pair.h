#pragma once
// A connected pair of loopback TCP sockets on one io_context that the test drives by hand: for
// tests of our own reactor operations (drained_read.h, file_sender.h) and awaits (direct_await.h).

#include <chrono>
#include <cstddef>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <gtest/gtest.h>

namespace fulcrum::proxy::testing {

// What an operation's handler was called with.
struct OpResult {
    bool done = false;
    asio::error_code ec;
    std::size_t n = 0;
};

class LoopbackPair : public ::testing::Test {
protected:
    void SetUp() override {
        asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        peer.connect(acceptor.local_endpoint());
        ours = acceptor.accept();
    }

    // Runs the loop until `result` completes (or 5 s pass).
    void run_until(const OpResult& result) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!result.done && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(50));
    }

    // Lets the reactor look at the sockets (epoll_wait) without waiting for anything.
    void poll() {
        for (int i = 0; i < 5; ++i) io.poll();
    }

    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
    asio::ip::tcp::socket peer{io};
    asio::ip::tcp::socket ours{io};
};

}  // namespace fulcrum::proxy::testing
