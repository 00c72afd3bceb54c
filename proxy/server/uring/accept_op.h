#pragma once

// Accepter on Asio's io_uring backend (the epoll build's is epoll/accept_op.h): Asio's own
// accept is one ring entry already. The accepted socket stays blocking (uring/drained_read.h),
// but Asio's ring accept does not ask for close-on-exec as the epoll build's accept4 does:
// that takes one fcntl per connection.

#include <fcntl.h>

#include <cerrno>

#include <type_traits>
#include <utility>

#include <asio/associated_cancellation_slot.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "proxy/server/uring/uring_config.h"

namespace fulcrum::proxy::server {

class Accepter {
public:
    explicit Accepter(asio::io_context&) {}

    template <class Token>
    auto accept(asio::ip::tcp::acceptor& acceptor, asio::ip::tcp::socket& socket, asio::ip::tcp::endpoint& peer,
                Token&& token) {
        return asio::async_initiate<Token, void(asio::error_code)>(
            [](auto handler, asio::ip::tcp::acceptor* a, asio::ip::tcp::socket* s, asio::ip::tcp::endpoint* p) {
                auto slot = asio::get_associated_cancellation_slot(handler);
                a->async_accept(*s, *p,
                                asio::bind_cancellation_slot(slot, [s, handler = std::move(handler)](asio::error_code ec) mutable {
                                    if (!ec && ::fcntl(s->native_handle(), F_SETFD, FD_CLOEXEC) != 0) {
                                        ec = asio::error_code(errno, asio::error::get_system_category());
                                        s->close();
                                    }
                                    std::move(handler)(ec);
                                }));
            },
            token, &acceptor, &socket, &peer);
    }
};

}  // namespace fulcrum::proxy::server
