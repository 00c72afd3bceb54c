#pragma once

// accept4() as a reactor operation: each accepted connection costs three syscalls less than
// Asio's async_accept.
//
// Asio accepts with accept() and then spends, per connection, an ioctl(FIONBIO) on its first
// asynchronous operation, and an epoll_ctl(EPOLL_CTL_DEL) when the socket closes (it marks
// assigned descriptors as possibly dup'ed, so it cannot rely on close() to leave epoll); we
// asked for the peer's address once more with getpeername(). accept4() with SOCK_NONBLOCK
// returns a non-blocking descriptor and the peer's address at once, and a descriptor that
// accept4() made is no one's duplicate, so close() removes it from epoll by itself (strace on
// new HTTPS connections: see tests/bench/RESULTS.md).

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

#include "proxy/server/epoll/reactor_ops.h"

namespace fulcrum::proxy::server {

namespace accept_detail {

using asio::detail::reactor_op;

// Completes with the new descriptor in place of a byte count.
class AcceptOpBase : public reactor_op {
public:
    AcceptOpBase(func_type complete_func, asio::detail::socket_type listener, asio::ip::tcp::endpoint* peer)
        : reactor_op(asio::error_code(), &AcceptOpBase::do_perform, complete_func),
          m_listener(listener),
          m_peer(peer) {}

    static status do_perform(reactor_op* base) {
        auto* o = static_cast<AcceptOpBase*>(base);
        while (true) {
            socklen_t length = static_cast<socklen_t>(o->m_peer->capacity());
            const int fd = ::accept4(o->m_listener, o->m_peer->data(), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) {
                o->m_peer->resize(length);
                o->bytes_transferred_ = static_cast<std::size_t>(fd);
                return done;
            }
            // As Asio: a connection reset before we took it is not the listener's failure.
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return not_done;
            o->ec_ = asio::error_code(errno, asio::error::get_system_category());
            return done;
        }
    }

private:
    asio::detail::socket_type m_listener;
    asio::ip::tcp::endpoint* m_peer;
};

}  // namespace accept_detail

// Accepts on one loop's reactor (looked up once); every acceptor must belong to that loop.
class Accepter {
public:
    explicit Accepter(asio::io_context& io) : m_reactor(&asio::use_service<reactor_ops::reactor>(io)) {}

    // Accepts one connection into `socket` (closed, of the acceptor's loop); `peer` receives
    // its address. Both must outlive the operation.
    template <class Token>
    auto accept(asio::ip::tcp::acceptor& acceptor, asio::ip::tcp::socket& socket, asio::ip::tcp::endpoint& peer,
                Token&& token) {
        return asio::async_initiate<Token, void(asio::error_code)>(
            [](auto handler, reactor_ops::reactor* r, asio::ip::tcp::acceptor* a, asio::ip::tcp::socket* s,
               asio::ip::tcp::endpoint* p) {
                auto adopt = [handler = std::move(handler), s, p](asio::error_code ec, std::size_t fd) mutable {
                    if (!ec) adopt_accepted(*s, p->protocol(), static_cast<int>(fd), ec);
                    std::move(handler)(ec);
                };
                reactor_ops::start<accept_detail::AcceptOpBase>(*r, reactor_ops::reactor::read_op, *a, adopt, p);
            },
            token, m_reactor, &acceptor, &socket, &peer);
    }

private:
    // The socket takes the descriptor (registering it with epoll), knowing it non-blocking
    // already and no duplicate (see above). On failure the descriptor is closed.
    static void adopt_accepted(asio::ip::tcp::socket& socket, const asio::ip::tcp& protocol, int fd,
                               asio::error_code& ec) {
        socket.assign(protocol, fd, ec);
        if (ec) {
            ::close(fd);
            return;
        }
        auto& state = reactor_ops::SocketAccess::object(socket).get_implementation().state_;
        state |= asio::detail::socket_ops::internal_non_blocking;
        state &= ~asio::detail::socket_ops::possible_dup;
    }

    reactor_ops::reactor* m_reactor;
};

}  // namespace fulcrum::proxy::server
