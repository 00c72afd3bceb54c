#pragma once

// The plumbing for reactor operations of our own (drained_read.h, file_sender.h): an op whose
// perform() runs inside Asio's epoll reactor, under the descriptor's lock, and may tell the
// reactor that the socket is exhausted (done_and_exhausted: the next op of that kind waits for
// epoll's edge instead of trying first). Handler storage, work tracking, per-operation
// cancellation and the completion upcall are done as Asio's own socket ops do them.
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
#error "reactor_ops.h relies on Asio's epoll reactor"
#endif
static_assert(ASIO_VERSION >= 102200 && ASIO_VERSION < 102300,
              "reactor_ops.h was checked against Asio 1.22's epoll reactor; recheck it for this version");

namespace fulcrum::proxy::server::reactor_ops {

using asio::detail::reactor;

// `Base` (a reactor_op constructed from its completion function and then its own arguments)
// with the handler attached.
template <class Base, class Handler, class IoExecutor>
class HandlerOp : public Base {
public:
    ASIO_DEFINE_HANDLER_PTR(HandlerOp);

    template <class... Args>
    HandlerOp(Handler& handler, const IoExecutor& io_ex, Args&&... args)
        : Base(&HandlerOp::do_complete, std::forward<Args>(args)...),
          m_handler(std::move(handler)),
          m_work(m_handler, io_ex) {}

    // As Asio's reactive_socket_recv_op: free the op before the upcall (the handler may own
    // the memory), and make no upcall when the loop is being destroyed (owner == null).
    static void do_complete(void* owner, asio::detail::operation* base, const asio::error_code&, std::size_t) {
        auto* o = static_cast<HandlerOp*>(base);
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
    Cancellation(reactor* r, reactor::per_descriptor_data* data, asio::detail::socket_type socket, int op_type)
        : m_reactor(r), m_data(data), m_socket(socket), m_op_type(op_type) {}
    void operator()(asio::cancellation_type_t type) {
        if (!!(type & (asio::cancellation_type::terminal | asio::cancellation_type::partial |
                       asio::cancellation_type::total))) {
            m_reactor->cancel_ops_by_key(m_socket, *m_data, m_op_type, this);
        }
    }

private:
    reactor* m_reactor;
    reactor::per_descriptor_data* m_data;
    asio::detail::socket_type m_socket;
    int m_op_type;
};

// A socket's or acceptor's implementation (descriptor, state, reactor entry) is a protected
// member of its class; a member pointer formed through a derived class reaches it without a
// cast.
struct SocketAccess : asio::ip::tcp::socket {
    static auto& object(asio::ip::tcp::socket& socket) { return socket.*(&SocketAccess::impl_); }
};
// basic_socket_acceptor keeps it private: the member pointer comes from an explicit
// instantiation, where access is not checked ([temp.explicit]: the standard way to name it).
using AcceptorImpl = asio::detail::io_object_impl<asio::detail::reactive_socket_service<asio::ip::tcp>,
                                                  asio::any_io_executor>;
template <AcceptorImpl asio::ip::tcp::acceptor::*Member>
struct AcceptorMember {
    friend AcceptorImpl& acceptor_impl(asio::ip::tcp::acceptor& acceptor) { return acceptor.*Member; }
};
AcceptorImpl& acceptor_impl(asio::ip::tcp::acceptor& acceptor);
template struct AcceptorMember<&asio::ip::tcp::acceptor::impl_>;
struct AcceptorAccess {
    static AcceptorImpl& object(asio::ip::tcp::acceptor& acceptor) { return acceptor_impl(acceptor); }
};

// Starts a `Base` op of `op_type` (reactor::read_op, write_op) on a socket or acceptor,
// speculatively: the reactor runs perform() at once unless the descriptor was left exhausted.
template <class Base, class IoObject, class Handler, class... Args>
void start(reactor& r, int op_type, IoObject& io_object, Handler& handler, Args&&... args) {
    auto& object = [&]() -> auto& {
        if constexpr (std::is_same_v<IoObject, asio::ip::tcp::acceptor>) {
            return AcceptorAccess::object(io_object);
        } else {
            return SocketAccess::object(io_object);
        }
    }();
    auto& impl = object.get_implementation();
    const auto& io_ex = object.get_executor();
    const bool is_continuation = asio_handler_cont_helpers::is_continuation(handler);
    auto slot = asio::get_associated_cancellation_slot(handler);

    using Op = HandlerOp<Base, Handler, std::decay_t<decltype(io_ex)>>;
    typename Op::ptr p = {asio::detail::addressof(handler), Op::ptr::allocate(handler), nullptr};
    p.p = new (p.v) Op(handler, io_ex, impl.socket_, std::forward<Args>(args)...);
    if (slot.is_connected()) {
        p.p->cancellation_key_ =
            &slot.template emplace<Cancellation>(&r, &impl.reactor_data_, impl.socket_, op_type);
    }
    // Asio sets a socket non-blocking on its first asynchronous operation; so do we.
    if ((impl.state_ & asio::detail::socket_ops::non_blocking) ||
        asio::detail::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, p.p->ec_)) {
        r.start_op(op_type, impl.socket_, impl.reactor_data_, p.p, is_continuation, true);
    } else {
        r.post_immediate_completion(p.p, is_continuation);
    }
    p.v = p.p = nullptr;
}

}  // namespace fulcrum::proxy::server::reactor_ops
