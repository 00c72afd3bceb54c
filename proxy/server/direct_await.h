#pragma once

// co_await on an Asio operation without the coroutine frame that asio::use_awaitable spends on
// it.
//
// With use_awaitable, `co_await socket.async_read_some(buffer, use_awaitable)` runs the
// operation's initiation inside a coroutine of its own (async_result<use_awaitable_t>::initiate)
// whose frame carries the result back to the caller: per I/O a frame allocated from Asio's
// recycling cache (a linear scan of its slots), set up, resumed, popped and freed. On the proxy's
// hot path (the upstream write and read, the client write) that was about a tenth of the user-
// space instructions per request (tests/bench/RESULTS.md). Here the awaiting coroutine hands
// its own thread of execution to the operation as the completion handler; the handler stores the
// result where the caller said and resumes the caller, which is still the top of the stack.
// Cancellation (a `||`, the deadline tick's cancel()) and the executor come from the thread, as
// with use_awaitable.
//
// This reaches into asio::detail (awaitable_thread, awaitable_frame_base), written against
// Debian 12's Asio 1.22.1; the static_assert makes another Asio a build error until rechecked.

#include <cstddef>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/error_code.hpp>
#include <asio/version.hpp>

static_assert(ASIO_VERSION >= 102200 && ASIO_VERSION < 102300,
              "direct_await.h was checked against Asio 1.22's awaitable internals; recheck it for this version");

namespace fulcrum::proxy::server {

// What an operation completed with.
struct IoResult {
    asio::error_code ec;
    std::size_t bytes = 0;
};

namespace direct_detail {

using Executor = asio::any_io_executor;
using Frame = asio::detail::awaitable_frame_base<Executor>;
using Thread = asio::detail::awaitable_thread<Executor>;

// The completion handler: the suspended thread of execution itself (as Asio's own
// awaitable_handler), plus where the result goes and which frame to resume.
class ResumeHandler : public Thread {
public:
    ResumeHandler(Thread* thread, Frame* frame, IoResult* result)
        : Thread(std::move(*thread)), m_frame(frame), m_result(result) {}

    void operator()(const asio::error_code& ec, std::size_t bytes = 0) {
        m_result->ec = ec;
        m_result->bytes = bytes;
        m_frame->attach_thread(this);
        m_frame->clear_cancellation_slot();
        this->pump();
    }

private:
    Frame* m_frame;
    IoResult* m_result;
};

}  // namespace direct_detail

// `co_await direct(result, [&](auto handler) { socket.async_read_some(buffer, std::move(handler)); })`
// starts the operation with a handler that resumes the caller; `result` (alive until then:
// the caller's own variable) holds the error and byte count afterwards.
template <class Start>
auto direct(IoResult& result, Start start) {
    return [&result, start = std::move(start)](direct_detail::Frame* frame) mutable -> direct_detail::Thread* {
        start(direct_detail::ResumeHandler(frame->detach_thread(), frame, &result));
        return nullptr;
    };
}

}  // namespace fulcrum::proxy::server
