// Accepter on a real loopback listener: the accepted socket is usable, non-blocking from the
// start (accept4), knows its peer's address without asking, and closes cleanly out of the loop's
// epoll set; a closed listener ends a pending accept with operation_aborted.
// Also built on the io_uring copy (io_uring.AcceptOp.*): there the socket stays blocking.
#include "proxy/server/accept_op.h"

#include <fcntl.h>

#include <string>

#include <asio/read.hpp>
#include <asio/write.hpp>

#include "loopback_pair.h"

namespace {

using asio::ip::tcp;
using fulcrum::proxy::server::Accepter;
using fulcrum::proxy::testing::OpResult;

class AcceptOp : public fulcrum::proxy::testing::LoopbackPair {
protected:
    void accept(tcp::socket& socket, tcp::endpoint& peer_address, OpResult& result) {
        accepter.accept(listener, socket, peer_address, [&result](const asio::error_code& ec) { result = {true, ec, 0}; });
    }

    Accepter accepter{io};
    tcp::acceptor listener{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
};

TEST_F(AcceptOp, AcceptedSocketIsNonBlockingKnowsItsPeerAndCarriesBytes) {
    for (int round = 0; round < 3; ++round) {  // the second and third accept reuse the listener's registration
        tcp::socket accepted(io);
        tcp::endpoint address;
        OpResult result;
        accept(accepted, address, result);
        poll();
        EXPECT_FALSE(result.done);  // nobody connected yet: it waits
        tcp::socket client(io);
        client.connect(listener.local_endpoint());
        run_until(result);
        ASSERT_TRUE(result.done);
        ASSERT_FALSE(result.ec) << result.ec.message();
        ASSERT_TRUE(accepted.is_open());
        EXPECT_EQ(address, client.local_endpoint());
        EXPECT_EQ(accepted.remote_endpoint(), client.local_endpoint());
#if defined(FULCRUM_IO_URING)
        // The io_uring copy keeps its sockets blocking: a read or write is then one ring entry.
        EXPECT_FALSE(::fcntl(accepted.native_handle(), F_GETFL) & O_NONBLOCK);
#else
        EXPECT_TRUE(::fcntl(accepted.native_handle(), F_GETFL) & O_NONBLOCK);
#endif
        EXPECT_TRUE(::fcntl(accepted.native_handle(), F_GETFD) & FD_CLOEXEC);
        // Asynchronous I/O through the loop works on it both ways.
        asio::write(client, asio::buffer(std::string("ping")));
        char data[4];
        OpResult read;
        asio::async_read(accepted, asio::buffer(data), [&read](const asio::error_code& ec, std::size_t n) {
            read = {true, ec, n};
        });
        run_until(read);
        ASSERT_TRUE(read.done);
        EXPECT_EQ(std::string(data, 4), "ping");
        OpResult wrote;
        asio::async_write(accepted, asio::buffer(std::string_view("pong")), [&wrote](const asio::error_code& ec, std::size_t n) {
            wrote = {true, ec, n};
        });
        run_until(wrote);
        asio::read(client, asio::buffer(data));
        EXPECT_EQ(std::string(data, 4), "pong");
        accepted.close();  // without EPOLL_CTL_DEL: close() alone leaves epoll
    }
}

// A descriptor closed without EPOLL_CTL_DEL must not leave a stale registration behind: the
// number a later accept gets is often the same, and it must work like a fresh one.
TEST_F(AcceptOp, ADescriptorNumberReusedAfterCloseWorks) {
    int last_fd = -1;
    int reused = 0;
    for (int round = 0; round < 20; ++round) {
        tcp::socket accepted(io);
        tcp::endpoint address;
        OpResult result;
        tcp::socket client(io);
        client.connect(listener.local_endpoint());
        accept(accepted, address, result);
        run_until(result);
        ASSERT_TRUE(result.done && !result.ec);
        reused += accepted.native_handle() == last_fd;
        last_fd = accepted.native_handle();
        char data[1];
        OpResult read;
        accepted.async_read_some(asio::buffer(data), [&read](const asio::error_code& ec, std::size_t n) { read = {true, ec, n}; });
        poll();
        EXPECT_FALSE(read.done);
        asio::write(client, asio::buffer("x", 1));
        run_until(read);
        ASSERT_TRUE(read.done) << "round " << round << ": the read never woke up";
        EXPECT_EQ(read.n, 1u);
        accepted.close();
    }
    EXPECT_GT(reused, 0);  // the case this is about happened
}

TEST_F(AcceptOp, ClosingTheListenerEndsAPendingAccept) {
    tcp::socket accepted(io);
    tcp::endpoint address;
    OpResult result;
    accept(accepted, address, result);
    poll();
    ASSERT_FALSE(result.done);
    listener.close();
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_EQ(result.ec, asio::error::operation_aborted);
    EXPECT_FALSE(accepted.is_open());
}

}  // namespace
