#pragma once

// Starts a coroutine on the loop thread that is running now, without asio::co_spawn's
// ceremony.
//
// A plain-TCP connection leaves its coroutine between requests (an idle one is a socket and a
// pending read, see session.cpp), so every request that follows an idle wait starts the
// request loop again. co_spawn made that cost about 1.5k instructions per request (callgrind,
// tests/bench/RESULTS.md): two work guards (type-erased executor copies and atomic counts),
// a dispatch onto the executor awaited through use_awaitable (a frame of its own), and a
// completion dispatched to the `detached` handler. None of it is needed here: the caller is
// already on the loop's thread, the loop never runs out of work (its timers), and nobody waits
// for the end. What stays is what makes a coroutine thread: the entry-point frame at the bottom
// of the stack and the awaitable_thread that owns it (destroyed with the loop if it is still
// waiting, which releases what the coroutine holds).
//
// This reaches into asio::detail (awaitable_handler, awaitable_thread_entry_point), written
// against Debian 12's Asio 1.22.1; the static_assert makes another Asio a build error.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/cancellation_state.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/version.hpp>

static_assert(ASIO_VERSION >= 102200 && ASIO_VERSION < 102300,
              "launch.h was checked against Asio 1.22's co_spawn; recheck it for this version");

namespace fulcrum::proxy::server {

namespace launch_detail {

using Executor = asio::any_io_executor;

// The bottom of the coroutine's stack. A coroutine that throws is a bug; as with co_spawn and
// `detached`, the exception ends that coroutine and never unwinds through the loop.
inline asio::awaitable<asio::detail::awaitable_thread_entry_point, Executor> entry(asio::awaitable<void, Executor> body) {
    try {
        co_await std::move(body);
    } catch (...) {
    }
}

}  // namespace launch_detail

// A coroutine that is the bottom of its own stack: launched without the frame that catches
// what it throws, so it must catch everything itself (an exception that left it would leave
// the loop's run() too). The request loop is one, and so saves a frame's allocation, set-up
// and release per request.
using BottomOfStack = asio::awaitable<asio::detail::awaitable_thread_entry_point, asio::any_io_executor>;

// Runs `body` at once on the calling thread, which must be the one running `executor`'s loop,
// until its first wait; it goes on from the loop.
inline void launch(const asio::any_io_executor& executor, BottomOfStack body) {
    asio::detail::awaitable_handler<asio::any_io_executor, void>(
        std::move(body), executor, asio::cancellation_slot(), asio::cancellation_state())
        .launch();
}
inline void launch(const asio::any_io_executor& executor, asio::awaitable<void, asio::any_io_executor> body) {
    launch(executor, launch_detail::entry(std::move(body)));
}

}  // namespace fulcrum::proxy::server
