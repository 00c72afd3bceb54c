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
#include <new>
#include <type_traits>
#include <utility>

#include <asio/associated_cancellation_slot.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_allocator.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "proxy/server/read_target.h"
#include "proxy/server/uring/uring_config.h"

namespace fulcrum::proxy::server {

namespace uring_detail {

// Memory for the wait of an idle keep-alive connection, which may last for minutes: exactly its
// size, from operator new. Asio otherwise takes it from the loop thread's recycling cache, which
// hands out any cached block that is large enough — on the ring that is often a finished write's
// (its 64 iovecs and msghdr wait in the operation for the kernel: ~1.7 KiB), and an idle
// connection then held that block instead of ~0.2 KiB (bench.py's memory case: 26.8 MiB per
// 10,000 idle connections). A type of our own: Asio treats std::allocator as "use the cache".
template <class T>
struct ExactSizeAllocator {
    using value_type = T;
    ExactSizeAllocator() noexcept = default;
    template <class U>
    ExactSizeAllocator(const ExactSizeAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
    template <class U>
    bool operator==(const ExactSizeAllocator<U>&) const noexcept {
        return true;
    }
};

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
        socket->async_wait(asio::ip::tcp::socket::wait_read,
                           asio::bind_cancellation_slot(
                               slot, asio::bind_allocator(ExactSizeAllocator<void>(), std::move(*this))));
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
