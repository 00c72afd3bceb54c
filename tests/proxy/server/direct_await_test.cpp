// direct() on real loopback sockets: the awaiting coroutine gets each operation's result and
// goes on, nested coroutines included; errors, cancel() and a `||` race reach it as they do
// with use_awaitable; a coroutine that throws after a direct await still ends the way
// co_spawn reports.
#include "proxy/server/direct_await.h"

#include "loopback_pair.h"

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>

#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

namespace {

using fulcrum::proxy::server::direct;
using fulcrum::proxy::server::IoResult;
using Result = fulcrum::proxy::testing::OpResult;
using namespace std::chrono_literals;

class DirectAwait : public fulcrum::proxy::testing::LoopbackPair {
protected:
    // Spawns `body`; `finished` records how it ended (an exception counts as an error).
    template <class Body>
    void spawn(Body body, Result& finished) {
        asio::co_spawn(io, std::move(body), [&finished](std::exception_ptr e) {
            finished.done = true;
            if (e) finished.ec = asio::error::fault;
        });
    }

    // A coroutine waiting in one read (nothing has arrived yet); `read` gets what it ended with.
    void start_waiting_read(Result& finished, IoResult& read) {
        spawn(
            [this, &read]() -> asio::awaitable<void> {
                char data[16];
                read = co_await read_once(data, sizeof data);
            },
            finished);
        io.poll();
        EXPECT_FALSE(finished.done);
    }

    asio::awaitable<IoResult> read_once(char* data, std::size_t size) {
        IoResult result;
        co_await direct(result, [&](auto handler) { ours.async_read_some(asio::buffer(data, size), std::move(handler)); });
        co_return result;
    }
};

TEST_F(DirectAwait, WritesAndReadsCarryTheirResultsThroughNestedCoroutines) {
    Result finished;
    std::string got;
    std::size_t written = 0;
    spawn(
        [&]() -> asio::awaitable<void> {
            IoResult wrote;
            co_await direct(wrote, [&](auto handler) { asio::async_write(ours, asio::buffer("ping", 4), std::move(handler)); });
            EXPECT_FALSE(wrote.ec);
            written = wrote.bytes;
            for (int i = 0; i < 3; ++i) {
                char data[16];
                const auto read = co_await read_once(data, sizeof data);  // a frame of our own in between
                if (read.ec) co_return;
                got.append(data, read.bytes);
            }
        },
        finished);
    poll();  // the coroutine starts and its write completes
    char echo[4];
    asio::read(peer, asio::buffer(echo));
    EXPECT_EQ(std::string(echo, 4), "ping");
    std::string sent;
    for (const char* piece : {"one", "two", "three"}) {
        sent += piece;
        asio::write(peer, asio::buffer(std::string(piece)));
        // Each piece arrives as a read of its own, so the coroutine suspends and resumes each time.
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (got != sent && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
    }
    run_until(finished);
    ASSERT_TRUE(finished.done);
    EXPECT_FALSE(finished.ec);
    EXPECT_EQ(written, 4u);
    EXPECT_EQ(got, "onetwothree");
}

TEST_F(DirectAwait, PeerCloseArrivesAsEndOfFile) {
    Result finished;
    IoResult read;
    start_waiting_read(finished, read);
    peer.close();
    run_until(finished);
    ASSERT_TRUE(finished.done);
    EXPECT_EQ(read.ec, asio::error::eof);
    EXPECT_EQ(read.bytes, 0u);
}

// The worker's deadline tick cancels the socket a late connection waits on.
TEST_F(DirectAwait, CancelResumesTheCoroutineWithOperationAborted) {
    Result finished;
    IoResult read;
    start_waiting_read(finished, read);
    ours.cancel();
    run_until(finished);
    ASSERT_TRUE(finished.done);
    EXPECT_EQ(read.ec, asio::error::operation_aborted);
}

// Per-operation cancellation goes through the thread's slot, as with use_awaitable.
TEST_F(DirectAwait, ARaceWithATimerCancelsTheReadAndTheSocketStillReads) {
    using namespace asio::experimental::awaitable_operators;
    Result finished;
    std::size_t winner = 99;
    std::string later;
    spawn(
        [&]() -> asio::awaitable<void> {
            char data[16];
            asio::steady_timer timer(io, 30ms);
            asio::error_code timer_ec;
            const auto first = co_await (read_once(data, sizeof data) ||
                                         timer.async_wait(asio::redirect_error(asio::use_awaitable, timer_ec)));
            winner = first.index();
            const auto next = co_await read_once(data, sizeof data);
            if (!next.ec) later.assign(data, next.bytes);
        },
        finished);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (winner == 99 && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
    EXPECT_EQ(winner, 1u);  // the timer won
    asio::write(peer, asio::buffer(std::string("later")));
    run_until(finished);
    ASSERT_TRUE(finished.done);
    EXPECT_FALSE(finished.ec);
    EXPECT_EQ(later, "later");
}

TEST_F(DirectAwait, AnExceptionAfterADirectAwaitReachesTheCompletionHandler) {
    Result finished;
    spawn(
        [&]() -> asio::awaitable<void> {
            char data[16];
            const auto read = co_await read_once(data, sizeof data);
            if (!read.ec) throw std::runtime_error("after the read");
        },
        finished);
    asio::write(peer, asio::buffer(std::string("x")));
    run_until(finished);
    ASSERT_TRUE(finished.done);
    EXPECT_EQ(finished.ec, asio::error::fault);
}

}  // namespace
