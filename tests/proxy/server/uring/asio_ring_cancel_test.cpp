// Cancelling an operation on the io_uring copy's Asio (proxy/server/uring/
// asio-1.22.1-io_uring-cancel.patch): a cancellation touches only the operation it cancels.
// Both cases are what removing a listener at a reload does — its pending accept is cancelled by
// close() — while the loop's other connections carry requests.
#include <chrono>
#include <thread>

#include <asio/write.hpp>

#include "loopback_pair.h"
#include "proxy/server/uring/uring_config.h"

namespace {

using asio::ip::tcp;
using fulcrum::proxy::testing::OpResult;

class AsioRingCancel : public fulcrum::proxy::testing::LoopbackPair {
protected:
    // Runs ready handlers only (no blocking wait, so the loop adds no timeout entries of its
    // own to the ring) until `done` holds or `limit` passes.
    template <class Done>
    void drive(Done done, std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            io.poll();
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    }

    void read_one_byte(OpResult& result) {
        ours.async_read_some(asio::buffer(&byte, 1),
                             [&result](const asio::error_code& ec, std::size_t n) { result = {true, ec, n}; });
    }

    // An accept that stays in the ring until `listener` closes.
    void accept_never_satisfied(tcp::acceptor& listener, OpResult& result) {
        listener.async_accept(never_accepted, [&result](const asio::error_code& ec) { result = {true, ec, 0}; });
        io.poll();
    }

    char byte = 0;
    tcp::socket never_accepted{io};
};

TEST_F(AsioRingCancel, ACancelsCompletionNeverEndsAnotherConnectionsRead) {
    // Every entry of the ring (512, ring_setup.cpp) last carried a read of `ours`: the slot a
    // cancel entry gets then holds that read's user data unless the cancel clears it.
    for (int round = 0; round < 600; ++round) {
        OpResult read;
        read_one_byte(read);
        asio::write(peer, asio::buffer("x", 1));
        drive([&] { return read.done; }, std::chrono::seconds(5));
        ASSERT_TRUE(read.done);
        ASSERT_FALSE(read.ec) << read.ec.message();
    }

    OpResult pending;
    read_one_byte(pending);
    tcp::acceptor listener(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    OpResult accept;
    accept_never_satisfied(listener, accept);  // the read and the accept are both in the ring
    listener.close();
    drive([&] { return accept.done; }, std::chrono::seconds(5));
    drive([] { return false; }, std::chrono::milliseconds(100));  // the cancel's own completion

    ASSERT_TRUE(accept.done);
    EXPECT_EQ(accept.ec, asio::error::operation_aborted) << accept.ec.message();
    EXPECT_FALSE(pending.done) << "a read nobody wrote to completed: " << pending.ec.message() << ", " << pending.n
                               << " bytes";
    asio::write(peer, asio::buffer("y", 1));
    drive([&] { return pending.done; }, std::chrono::seconds(5));
    ASSERT_TRUE(pending.done);
    EXPECT_FALSE(pending.ec) << pending.ec.message();
    EXPECT_EQ(pending.n, 1u);
    EXPECT_EQ(byte, 'y');
}

TEST_F(AsioRingCancel, AClosedSocketsRecordIsNotReusedWhileItsCancelledOperationIsInTheRing) {
    tcp::acceptor server(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::acceptor listener(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    OpResult accept;
    accept_never_satisfied(listener, accept);
    listener.close();

    // The next socket opened, before the loop has seen the cancellation complete: it must get a
    // record of its own, not the closed listener's with that accept still queued on it.
    tcp::socket next(io);
    next.connect(server.local_endpoint());
    tcp::socket far = server.accept();
    OpResult read;
    next.async_read_some(asio::buffer(&byte, 1),
                         [&read](const asio::error_code& ec, std::size_t n) { read = {true, ec, n}; });
    asio::write(far, asio::buffer("z", 1));
    drive([&] { return accept.done && read.done; }, std::chrono::seconds(5));

    ASSERT_TRUE(accept.done);
    EXPECT_EQ(accept.ec, asio::error::operation_aborted)
        << "the closed listener's accept ran again on another socket: " << accept.ec.message();
    ASSERT_TRUE(read.done);
    EXPECT_FALSE(read.ec) << read.ec.message();
    EXPECT_EQ(read.n, 1u);
    EXPECT_EQ(byte, 'z');
}

}  // namespace
