// FileSender on real loopback sockets and a real file: every byte arrives, in order, however
// often the send buffer fills (each short sendfile leaves the next send waiting for epoll's
// edge, which must come); a file shorter than asked ends with 0 bytes, a bad descriptor with
// an error, and a cancelled send with operation_aborted, never a hang.
#include "proxy/server/file_sender.h"

#include "loopback_pair.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/read.hpp>
#include <gtest/gtest.h>

namespace {

using asio::ip::tcp;
using fulcrum::proxy::server::FileSender;
using namespace std::chrono_literals;

using Result = fulcrum::proxy::testing::OpResult;

class FileSenderTest : public fulcrum::proxy::testing::LoopbackPair {
protected:
    void SetUp() override {
        LoopbackPair::SetUp();
        char name[] = "/tmp/fulcrum-file-sender-XXXXXX";
        file = ::mkstemp(name);
        ASSERT_GE(file, 0);
        ::unlink(name);
        content.resize(6 << 20);
        for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
        ASSERT_EQ(::write(file, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    }
    void TearDown() override {
        if (file >= 0) ::close(file);
    }

    // Small buffers on both ends, so a few hundred KiB fill them and sends come back short.
    void shrink_buffers() {
        ours.set_option(tcp::socket::send_buffer_size(32 * 1024));
        peer.set_option(tcp::socket::receive_buffer_size(32 * 1024));
    }

    void send(off_t offset, std::size_t count, Result& result) {
        sender.send_some(ours, file, offset, count, [&result](const asio::error_code& ec, std::size_t n) {
            result = {true, ec, n};
        });
    }

    // Fills the send path until a send comes back short; returns the bytes sent.
    std::size_t fill() {
        std::size_t sent = 0;
        while (true) {
            Result result;
            send(static_cast<off_t>(sent), content.size() - sent, result);
            run_until(result);
            EXPECT_TRUE(result.done && !result.ec);
            if (!result.done || result.ec) return sent;
            sent += result.n;
            if (result.n < content.size() - (sent - result.n)) return sent;
        }
    }

    FileSender sender{io};
    int file = -1;
    std::string content;
};

TEST_F(FileSenderTest, EveryByteArrivesInOrderThroughAFullSendBuffer) {
    shrink_buffers();
    std::string received;
    // A slow reader on its own thread: the sender keeps finding the buffer full.
    std::thread reader([&] {
        char data[8192];
        asio::error_code ec;
        while (received.size() < content.size()) {
            const auto n = peer.read_some(asio::buffer(data), ec);
            if (ec) return;
            received.append(data, n);
            if (received.size() % (256 * 1024) < n) std::this_thread::sleep_for(1ms);
        }
    });
    std::size_t sent = 0;
    int short_sends = 0;
    int sends = 0;
    while (sent < content.size()) {
        const std::size_t ask = std::min<std::size_t>(content.size() - sent, 1 << 20);
        Result result;
        send(static_cast<off_t>(sent), ask, result);
        run_until(result);
        ASSERT_TRUE(result.done) << "stuck after " << sent << " bytes";
        ASSERT_FALSE(result.ec) << result.ec.message();
        ASSERT_GT(result.n, 0u);
        short_sends += result.n < ask;
        ++sends;
        sent += result.n;
    }
    reader.join();
    EXPECT_EQ(received.size(), content.size());
    EXPECT_TRUE(received == content) << "the bytes differ";
    // The case this is about: sends that came back short, each followed by one that had to
    // wait for the edge.
    EXPECT_GT(short_sends, 10) << sends << " sends";
}

TEST_F(FileSenderTest, ASendAfterAShortOneWaitsUntilThePeerReads) {
    shrink_buffers();
    const auto sent = fill();
    ASSERT_GT(sent, 0u);
    ASSERT_LT(sent, content.size());
    Result result;
    send(static_cast<off_t>(sent), 4096, result);
    poll();
    EXPECT_FALSE(result.done);  // no room: it waits
    // The peer reads what is queued: room, an edge, and the send completes.
    std::string drained(sent, '\0');
    asio::read(peer, asio::buffer(drained));
    EXPECT_TRUE(drained == content.substr(0, sent));
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_FALSE(result.ec);
    EXPECT_GT(result.n, 0u);
}

TEST_F(FileSenderTest, AFileShorterThanAskedEndsWithZeroBytes) {
    Result result;
    send(static_cast<off_t>(content.size()), 4096, result);
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_FALSE(result.ec);
    EXPECT_EQ(result.n, 0u);
}

TEST_F(FileSenderTest, ABadDescriptorIsAnError) {
    Result result;
    sender.send_some(ours, -1, 0, 4096, [&result](const asio::error_code& ec, std::size_t n) { result = {true, ec, n}; });
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_EQ(result.ec, asio::error_code(EBADF, asio::error::get_system_category()));
}

// Timeouts cancel the socket (the worker's deadline tick); a waiting send ends at once.
TEST_F(FileSenderTest, CancelEndsAWaitingSend) {
    shrink_buffers();
    const auto sent = fill();
    ASSERT_LT(sent, content.size());
    Result result;
    send(static_cast<off_t>(sent), 4096, result);
    poll();
    ASSERT_FALSE(result.done);
    ours.cancel();
    run_until(result);
    ASSERT_TRUE(result.done);
    EXPECT_EQ(result.ec, asio::error::operation_aborted);
}

}  // namespace
