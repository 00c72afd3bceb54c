// DrainedReader on real loopback sockets: no bytes are ever lost or left waiting, whatever the
// order of arrival, epoll's edges and the reads; and a read after a drained socket waits
// without trying a recv() first (observable: a lazy read's target is not asked for a buffer
// until bytes are there).
// Also built on the io_uring copy of the proxy (tests io_uring.DrainedRead.*), where the same
// interface runs on Asio's ring operations.
#include "proxy/server/drained_read.h"

#include "loopback_pair.h"

#include <array>
#include <chrono>
#include <string>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

namespace {

using asio::ip::tcp;
using fulcrum::proxy::server::DrainedReader;
using fulcrum::proxy::server::ReadTarget;
using namespace std::chrono_literals;

using Result = fulcrum::proxy::testing::OpResult;

class CountingTarget final : public ReadTarget {
public:
    asio::mutable_buffer prepare() override {
        ++prepared;
        return asio::buffer(bytes);
    }
    void unused() override { ++returned; }
    std::array<char, 256> bytes{};
    int prepared = 0;
    int returned = 0;
};

class DrainedRead : public fulcrum::proxy::testing::LoopbackPair {
protected:
    void send(std::string_view bytes) { asio::write(peer, asio::buffer(bytes)); }

    void read_into(char* data, std::size_t size, Result& result) {
        reader.read_some(ours, asio::buffer(data, size), [&result](const asio::error_code& ec, std::size_t n) {
            result = {true, ec, n};
        });
    }

    // A short read: the reactor now knows the socket is empty.
    void drain(std::string_view bytes) {
        send(bytes);
        char data[256];
        Result result;
        read_into(data, sizeof data, result);
        run_until(result);
        ASSERT_TRUE(result.done);
        ASSERT_FALSE(result.ec);
        ASSERT_EQ(std::string(data, result.n), bytes);
    }

    DrainedReader reader{io};
};

TEST_F(DrainedRead, BytesArrivingAfterADrainedReadComplete) {
    drain("first");
    char data[64];
    Result result;
    read_into(data, sizeof data, result);
    poll();
    EXPECT_FALSE(result.done);  // nothing there yet: it waits
    send("second");
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_FALSE(result.ec);
    EXPECT_EQ(std::string(data, result.n), "second");
}

// The edge for these bytes is taken by epoll_wait while no read is pending; the next read must
// still see them (a wait that skipped its recv() here would hang).
TEST_F(DrainedRead, BytesThatArrivedWhileNoReadWasPendingAreRead) {
    drain("first");
    send("between");
    std::this_thread::sleep_for(20ms);
    poll();
    char data[64];
    Result result;
    read_into(data, sizeof data, result);
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_FALSE(result.ec);
    EXPECT_EQ(std::string(data, result.n), "between");
}

// A read that fills its buffer may have left bytes behind: the following reads get them with
// no further byte (and so no further edge) from the peer.
TEST_F(DrainedRead, AFullBufferLeavesTheRestReadableWithoutANewEdge) {
    drain("x");
    const std::string big(10000, 'b');
    send(big);
    std::this_thread::sleep_for(20ms);
    std::string got;
    char data[1000];
    while (got.size() < big.size()) {
        Result result;
        read_into(data, sizeof data, result);
        run_until(result);
        ASSERT_TRUE(result.done) << "stuck after " << got.size() << " bytes";
        ASSERT_FALSE(result.ec);
        got.append(data, result.n);
    }
    EXPECT_EQ(got, big);
    // Drained again: the next read waits, then gets the next bytes.
    Result result;
    read_into(data, sizeof data, result);
    poll();
    EXPECT_FALSE(result.done);
    send("tail");
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_EQ(std::string(data, result.n), "tail");
}

TEST_F(DrainedRead, ALazyReadAfterADrainedSocketTakesNoBufferUntilBytesArrive) {
    drain("first");
    CountingTarget target;
    Result result;
    reader.read_lazily(ours, target, [&result](const asio::error_code& ec, std::size_t n) { result = {true, ec, n}; });
    poll();
    EXPECT_FALSE(result.done);
    EXPECT_EQ(target.prepared, 0);  // no speculative recv(), no buffer held while idle
    send("request");
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_FALSE(result.ec);
    EXPECT_EQ(std::string(target.bytes.data(), result.n), "request");
    EXPECT_EQ(target.prepared, 1);
    EXPECT_EQ(target.returned, 0);
}

#if defined(FULCRUM_IO_URING)
// The io_uring copy waits for readability first (a poll entry in the ring): no buffer is taken
// before bytes are there, and none given back.
TEST_F(DrainedRead, ALazyReadOnAFreshSocketTakesItsBufferOnlyWhenBytesCome) {
    CountingTarget target;
    Result result;
    reader.read_lazily(ours, target, [&result](const asio::error_code& ec, std::size_t n) { result = {true, ec, n}; });
    poll();
    EXPECT_FALSE(result.done);
    EXPECT_EQ(target.prepared, 0);
    send("late");
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_EQ(std::string(target.bytes.data(), result.n), "late");
    EXPECT_EQ(target.prepared, 1);
    EXPECT_EQ(target.returned, 0);
}
#else
// On a fresh socket the reactor knows nothing yet: the read tries, finds nothing, gives the
// buffer back, and takes it again when bytes come.
TEST_F(DrainedRead, ALazyReadThatFindsNothingGivesItsBufferBack) {
    CountingTarget target;
    Result result;
    reader.read_lazily(ours, target, [&result](const asio::error_code& ec, std::size_t n) { result = {true, ec, n}; });
    poll();
    EXPECT_FALSE(result.done);
    EXPECT_EQ(target.prepared, 1);
    EXPECT_EQ(target.returned, 1);
    send("late");
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_EQ(std::string(target.bytes.data(), result.n), "late");
    EXPECT_EQ(target.prepared, 2);
    EXPECT_EQ(target.returned, 1);
}
#endif

TEST_F(DrainedRead, PeerCloseIsEndOfFile) {
    drain("first");
    char data[64];
    Result result;
    read_into(data, sizeof data, result);
    poll();
    peer.close();
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_EQ(result.ec, asio::error::eof);
    EXPECT_EQ(result.n, 0u);
}

// Timeouts cancel the socket (the worker's deadline tick); the socket stays usable.
TEST_F(DrainedRead, CancelAbortsAPendingReadAndTheSocketStillReads) {
    drain("first");
    CountingTarget target;
    Result result;
    reader.read_lazily(ours, target, [&result](const asio::error_code& ec, std::size_t n) { result = {true, ec, n}; });
    poll();
    ours.cancel();
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_EQ(result.ec, asio::error::operation_aborted);
    EXPECT_EQ(target.prepared, 0);
    send("after");
    char data[64];
    Result next;
    read_into(data, sizeof data, next);
    run_until(next);
    ASSERT_TRUE(next.done);
    EXPECT_EQ(std::string(data, next.n), "after");
}

TEST_F(DrainedRead, CloseAbortsAPendingRead) {
    drain("first");
    char data[64];
    Result result;
    read_into(data, sizeof data, result);
    poll();
    ours.close();
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_EQ(result.ec, asio::error::operation_aborted);
}

// Per-operation cancellation: a coroutine racing the read against a timer with `||`.
TEST_F(DrainedRead, ACoroutineCanCancelTheReadThroughItsSlot) {
    using namespace asio::experimental::awaitable_operators;
    drain("first");
    Result result;
    char data[64];
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            asio::steady_timer timer(io, 30ms);
            asio::error_code read_ec;
            asio::error_code timer_ec;
            const auto winner = co_await (
                reader.read_some(ours, asio::buffer(data), asio::redirect_error(asio::use_awaitable, read_ec)) ||
                timer.async_wait(asio::redirect_error(asio::use_awaitable, timer_ec)));
            result = {true, read_ec, winner.index()};
        },
        asio::detached);
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_EQ(result.n, 1u);  // the timer won
    send("later");
    Result next;
    read_into(data, sizeof data, next);
    run_until(next);
    ASSERT_TRUE(next.done);
    EXPECT_EQ(std::string(data, next.n), "later");
}

}  // namespace
