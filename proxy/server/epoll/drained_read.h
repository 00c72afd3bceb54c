#pragma once

// Socket reads that spare the event loop the syscall Asio spends before every wait.
//
// Asio 1.22's epoll reactor (edge-triggered) tries each read at once, before waiting: a recv()
// that returns EAGAIN whenever the bytes are not there yet — the upstream's answer right after
// we sent the request, the client's next request right after we answered. Its `async_wait`
// skips that recv() but re-arms the descriptor with an epoll_ctl() instead. Either way every
// wait cost a syscall the loop does not need (strace: 5.4 syscalls per proxied request,
// HAProxy 4.0, which waits for readiness first where nothing can be there yet).
//
// The reactor already knows when a read can wait without trying: its per-descriptor
// "speculative" flag, set on every epoll edge and cleared when a read reports the socket
// exhausted. Asio's own read op reports that only at EOF. These reads also report it after a
// short read: a stream socket's recv() that returned fewer bytes than asked emptied the receive
// queue, so the next bytes raise a new edge, which sets the flag again. The flag is cleared
// under the descriptor's lock together with the recv(), so no edge can slip in between; a read
// that filled its buffer leaves the flag set (more may be queued), so a connection that always
// has data reads as before and waits its turn in the loop like any other.
//
// The lazy form asks for its buffer only when bytes are there: an idle keep-alive connection
// waits with a pending read that holds no buffer (what async_wait gave, without epoll_ctl).
//
// This reaches into Asio's reactor (asio::detail) through reactor_ops.h, written against
// Debian 12's Asio 1.22.1; its static_assert makes a different Asio a build error.

#include <cstddef>
#include <utility>

#include <asio/detail/socket_ops.hpp>
#include <asio/ip/tcp.hpp>

#include "proxy/server/epoll/reactor_ops.h"
#include "proxy/server/read_target.h"

namespace fulcrum::proxy::server {

namespace drained_detail {

using reactor_ops::reactor;
using asio::detail::reactor_op;

class RecvOpBase : public reactor_op {
public:
    RecvOpBase(func_type complete_func, asio::detail::socket_type socket, asio::mutable_buffer buffer,
               ReadTarget* target)
        : reactor_op(asio::error_code(), &RecvOpBase::do_perform, complete_func),
          m_socket(socket),
          m_buffer(buffer),
          m_target(target) {}

    static status do_perform(reactor_op* base) {
        auto* o = static_cast<RecvOpBase*>(base);
        const bool lazy = o->m_target != nullptr;
        if (lazy) o->m_buffer = o->m_target->prepare();
        const auto size = o->m_buffer.size();
        if (size == 0) return done;  // as Asio: an empty read completes at once with 0 bytes
        if (!asio::detail::socket_ops::non_blocking_recv1(o->m_socket, o->m_buffer.data(), size, 0, true, o->ec_,
                                                          o->bytes_transferred_)) {
            if (lazy) o->m_target->unused();
            return not_done;
        }
        // Short read (or EOF/error): the receive queue is empty now; the next bytes raise an
        // edge. A full buffer may have left more behind: try again next time.
        return o->bytes_transferred_ < size ? done_and_exhausted : done;
    }

private:
    asio::detail::socket_type m_socket;
    asio::mutable_buffer m_buffer;
    ReadTarget* m_target;
};

template <class Handler>
void start(reactor& r, asio::ip::tcp::socket& socket, asio::mutable_buffer buffer, ReadTarget* target,
           Handler& handler) {
    reactor_ops::start<RecvOpBase>(r, reactor::read_op, socket, handler, buffer, target);
}

}  // namespace drained_detail

// Starts the reads on one loop's reactor (looked up once: use_service() takes a mutex and walks
// a list). Every socket read through it must belong to that loop.
class DrainedReader {
public:
    explicit DrainedReader(asio::io_context& io) : m_reactor(&asio::use_service<drained_detail::reactor>(io)) {}

    // async_read_some, with the reactor told when the socket has been drained (see above).
    template <class Token>
    auto read_some(asio::ip::tcp::socket& socket, asio::mutable_buffer buffer, Token&& token) {
        return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
            [](auto handler, drained_detail::reactor* r, asio::ip::tcp::socket* s, asio::mutable_buffer b) {
                drained_detail::start(*r, *s, b, nullptr, handler);
            },
            token, m_reactor, &socket, buffer);
    }

    // The same, into `target`'s buffer, asked for only when bytes are there. `target` must
    // outlive the operation.
    template <class Token>
    auto read_lazily(asio::ip::tcp::socket& socket, ReadTarget& target, Token&& token) {
        return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
            [](auto handler, drained_detail::reactor* r, asio::ip::tcp::socket* s, ReadTarget* t) {
                drained_detail::start(*r, *s, asio::mutable_buffer(), t, handler);
            },
            token, m_reactor, &socket, &target);
    }

private:
    drained_detail::reactor* m_reactor;
};

}  // namespace fulcrum::proxy::server
