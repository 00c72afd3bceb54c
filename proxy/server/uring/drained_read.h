#pragma once

// DrainedReader on Asio's io_uring backend: the epoll build's interface (epoll/drained_read.h)
// on Asio's own ring operations. There is no reactor to tell that a socket was drained, and
// nothing to save: a read on a blocking socket is one ring entry, and Asio submits a loop
// iteration's entries with one io_uring_enter.
//
// Sockets stay blocking in this build on purpose: Asio's ring ops on a socket it knows to be
// non-blocking poll first and then make the syscall themselves, which gives up the batching.

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <asio/associated_cancellation_slot.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "proxy/server/read_target.h"
#include "proxy/server/uring/uring_config.h"

namespace fulcrum::proxy::server {

namespace uring_detail {

// A lazy read: wait for readability (a poll entry in the ring), then take the buffer and
// recv() without blocking; a wake-up that finds nothing waits again. An idle keep-alive
// connection so holds no buffer while it waits (a read entry would pin 32 KiB per connection).
template <class Handler>
struct LazyRead {
    asio::ip::tcp::socket* socket;
    ReadTarget* target;
    Handler handler;

    void start() {
        auto slot = asio::get_associated_cancellation_slot(handler);
        socket->async_wait(asio::ip::tcp::socket::wait_read, asio::bind_cancellation_slot(slot, std::move(*this)));
    }

    void operator()(asio::error_code ec) {
        std::size_t n = 0;
        if (!ec) {
            const auto buffer = target->prepare();
            while (true) {
                const auto r = ::recv(socket->native_handle(), buffer.data(), buffer.size(), MSG_DONTWAIT);
                if (r > 0) {
                    n = static_cast<std::size_t>(r);
                } else if (r == 0) {
                    ec = asio::error::eof;
                } else if (errno == EINTR) {
                    continue;
                } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    target->unused();
                    start();
                    return;
                } else {
                    ec = asio::error_code(errno, asio::error::get_system_category());
                }
                break;
            }
            if (n == 0) target->unused();
        }
        std::move(handler)(ec, n);
    }
};

}  // namespace uring_detail

class DrainedReader {
public:
    explicit DrainedReader(asio::io_context&) {}

    template <class Token>
    auto read_some(asio::ip::tcp::socket& socket, asio::mutable_buffer buffer, Token&& token) {
        return socket.async_read_some(buffer, std::forward<Token>(token));
    }

    // The same, into `target`'s buffer, asked for only when bytes are there. `target` must
    // outlive the operation.
    template <class Token>
    auto read_lazily(asio::ip::tcp::socket& socket, ReadTarget& target, Token&& token) {
        return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
            [](auto handler, asio::ip::tcp::socket* s, ReadTarget* t) {
                uring_detail::LazyRead<std::decay_t<decltype(handler)>>{s, t, std::move(handler)}.start();
            },
            token, &socket, &target);
    }
};

}  // namespace fulcrum::proxy::server
