#pragma once

// FileSender on Asio's io_uring backend (the epoll build's is epoll/file_sender.h).
// sendfile() must not block the loop when the send buffer is full, but this build keeps its
// sockets blocking (uring/drained_read.h says why): the socket is made non-blocking for the one
// call — the session sends nothing else meanwhile — and, when there was no room, waits for
// writability with a poll entry in the ring.

#include <fcntl.h>
#include <sys/sendfile.h>
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

#include "proxy/server/uring/uring_config.h"

namespace fulcrum::proxy::server {

namespace uring_detail {

template <class Handler>
struct SendFile {
    asio::ip::tcp::socket* socket;
    int file;
    off_t offset;
    std::size_t count;
    Handler handler;

    void operator()(asio::error_code ec) {
        if (ec) {
            std::move(handler)(ec, std::size_t{0});
            return;
        }
        const int fd = socket->native_handle();
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
            std::move(handler)(asio::error_code(errno, asio::error::get_system_category()), std::size_t{0});
            return;
        }
        ssize_t n = 0;
        do {
            off_t at = offset;
            n = ::sendfile(fd, file, &at, count);
        } while (n < 0 && errno == EINTR);
        const int saved = errno;
        ::fcntl(fd, F_SETFL, flags);
        if (n < 0 && (saved == EAGAIN || saved == EWOULDBLOCK)) {
            auto slot = asio::get_associated_cancellation_slot(handler);
            socket->async_wait(asio::ip::tcp::socket::wait_write, asio::bind_cancellation_slot(slot, std::move(*this)));
            return;
        }
        if (n < 0) {
            std::move(handler)(asio::error_code(saved, asio::error::get_system_category()), std::size_t{0});
            return;
        }
        std::move(handler)(asio::error_code(), static_cast<std::size_t>(n));
    }
};

}  // namespace uring_detail

class FileSender {
public:
    explicit FileSender(asio::io_context&) {}

    // Sends up to `count` bytes of `file` from `offset` (which it does not move); completes
    // with the bytes sent, 0 when the file ends before `offset`.
    template <class Token>
    auto send_some(asio::ip::tcp::socket& socket, int file, off_t offset, std::size_t count, Token&& token) {
        return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
            [](auto handler, asio::ip::tcp::socket* s, int f, off_t at, std::size_t n) {
                uring_detail::SendFile<std::decay_t<decltype(handler)>>{s, f, at, n, std::move(handler)}(
                    asio::error_code());
            },
            token, &socket, file, offset, count);
    }
};

}  // namespace fulcrum::proxy::server
