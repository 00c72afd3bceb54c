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
// This reaches into Asio's reactor (asio::detail), written against Debian 12's Asio 1.22.1;
// the static_assert below makes a different Asio a build error, to be checked against its
// epoll_reactor::start_op and descriptor_state::perform_io before lifting it.

#include <cstddef>
#include <type_traits>
#include <utility>

#include <asio/associated_cancellation_slot.hpp>
#include <asio/async_result.hpp>
#include <asio/detail/bind_handler.hpp>
#include <asio/detail/fenced_block.hpp>
#include <asio/detail/handler_alloc_helpers.hpp>
#include <asio/detail/handler_cont_helpers.hpp>
#include <asio/detail/handler_work.hpp>
#include <asio/detail/memory.hpp>
#include <asio/detail/reactor.hpp>
#include <asio/detail/reactor_op.hpp>
#include <asio/detail/socket_ops.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/version.hpp>

#if !defined(ASIO_HAS_EPOLL) || defined(ASIO_HAS_IO_URING_AS_DEFAULT)
#error "drained_read.h relies on Asio's epoll reactor"
#endif
static_assert(ASIO_VERSION >= 102200 && ASIO_VERSION < 102300,
              "drained_read.h was checked against Asio 1.22's epoll reactor; recheck it for this version");

namespace fulcrum::proxy::server {

// Where a lazy read lands; asked for only once the socket is readable (on the loop thread,
// inside the reactor, so it must not block or re-enter the socket).
class ReadTarget {
public:
    virtual asio::mutable_buffer prepare() = 0;  // room to read into, not empty
    virtual void unused() = 0;                   // the read found nothing after all: give it back

protected:
    ~ReadTarget() = default;
};

namespace drained_detail {

using asio::detail::reactor;
using asio::detail::reactor_op;

class RecvOpBase : public reactor_op {
public:
    RecvOpBase(const asio::error_code& success_ec, asio::detail::socket_type socket, asio::mutable_buffer buffer,
               ReadTarget* target, func_type complete_func)
        : reactor_op(success_ec, &RecvOpBase::do_perform, complete_func),
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

template <class Handler, class IoExecutor>
class RecvOp : public RecvOpBase {
public:
    ASIO_DEFINE_HANDLER_PTR(RecvOp);

    RecvOp(const asio::error_code& success_ec, asio::detail::socket_type socket, asio::mutable_buffer buffer,
           ReadTarget* target, Handler& handler, const IoExecutor& io_ex)
        : RecvOpBase(success_ec, socket, buffer, target, &RecvOp::do_complete),
          m_handler(std::move(handler)),
          m_work(m_handler, io_ex) {}

    // As Asio's reactive_socket_recv_op: free the op before the upcall (the handler may own
    // the memory), and make no upcall when the loop is being destroyed (owner == null).
    static void do_complete(void* owner, asio::detail::operation* base, const asio::error_code&, std::size_t) {
        auto* o = static_cast<RecvOp*>(base);
        ptr p = {asio::detail::addressof(o->m_handler), o, o};
        asio::detail::handler_work<Handler, IoExecutor> w(std::move(o->m_work));
        asio::detail::binder2<Handler, asio::error_code, std::size_t> handler(o->m_handler, o->ec_,
                                                                               o->bytes_transferred_);
        p.h = asio::detail::addressof(handler.handler_);
        p.reset();
        if (owner) {
            asio::detail::fenced_block b(asio::detail::fenced_block::half);
            w.complete(handler, handler.handler_);
        }
    }

private:
    Handler m_handler;
    asio::detail::handler_work<Handler, IoExecutor> m_work;
};

// Per-operation cancellation (a coroutine's `||`, a cancelled awaitable), as Asio's own ops.
class Cancellation {
public:
    Cancellation(reactor* r, reactor::per_descriptor_data* data, asio::detail::socket_type socket)
        : m_reactor(r), m_data(data), m_socket(socket) {}
    void operator()(asio::cancellation_type_t type) {
        if (!!(type & (asio::cancellation_type::terminal | asio::cancellation_type::partial |
                       asio::cancellation_type::total))) {
            m_reactor->cancel_ops_by_key(m_socket, *m_data, reactor::read_op, this);
        }
    }

private:
    reactor* m_reactor;
    reactor::per_descriptor_data* m_data;
    asio::detail::socket_type m_socket;
};

// The socket's implementation (descriptor, state, reactor entry) is a protected member of
// basic_socket; a member pointer formed through a derived class reaches it without a cast.
struct SocketAccess : asio::ip::tcp::socket {
    static auto& object(asio::ip::tcp::socket& socket) { return socket.*(&SocketAccess::impl_); }
};

template <class Handler>
void start(reactor& r, asio::ip::tcp::socket& socket, asio::mutable_buffer buffer, ReadTarget* target,
           Handler& handler) {
    auto& object = SocketAccess::object(socket);
    auto& impl = object.get_implementation();
    const auto& io_ex = object.get_executor();
    const bool is_continuation = asio_handler_cont_helpers::is_continuation(handler);
    auto slot = asio::get_associated_cancellation_slot(handler);

    using Op = RecvOp<Handler, std::decay_t<decltype(io_ex)>>;
    typename Op::ptr p = {asio::detail::addressof(handler), Op::ptr::allocate(handler), nullptr};
    p.p = new (p.v) Op(asio::error_code(), impl.socket_, buffer, target, handler, io_ex);
    if (slot.is_connected()) {
        p.p->cancellation_key_ = &slot.template emplace<Cancellation>(&r, &impl.reactor_data_, impl.socket_);
    }
    // Asio sets a socket non-blocking on its first asynchronous operation; so do we.
    if ((impl.state_ & asio::detail::socket_ops::non_blocking) ||
        asio::detail::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, p.p->ec_)) {
        r.start_op(reactor::read_op, impl.socket_, impl.reactor_data_, p.p, is_continuation, true);
    } else {
        r.post_immediate_completion(p.p, is_continuation);
    }
    p.v = p.p = nullptr;
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
