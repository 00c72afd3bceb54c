#pragma once

// sendfile() as a reactor operation, for large static files on plain TCP.
//
// The loop it replaces (sendfile until EAGAIN, then async_wait for writability) cost two
// syscalls per wake-up that did nothing: the sendfile() that returned EAGAIN, and the
// epoll_ctl() with which Asio re-arms the descriptor for every async_wait (strace on a
// 100 MiB answer: 183 sendfile calls of which 50 EAGAIN, 51 epoll_ctl; nginx: 129 and 1).
// Here the reactor runs sendfile() itself: at once while the socket may have room, and after
// epoll's edge once it had none. A sendfile() that moved fewer bytes than asked filled the
// send buffer (the socket is non-blocking), so the op reports the socket exhausted and the
// next one waits for the edge without trying; the edge comes when the peer has read enough.
// A file cut short under us makes sendfile() return 0, which completes the op with 0 bytes
// (the caller closes). Cut short while one call runs, it returns fewer bytes than asked, which
// reads as a full buffer: the next call then waits for an edge that may not come, and the
// connection's send timeout closes it instead (the client's answer is truncated either way).

#include <sys/sendfile.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>

#include "proxy/server/epoll/reactor_ops.h"

namespace fulcrum::proxy::server {

namespace file_sender_detail {

using asio::detail::reactor_op;

class SendfileOpBase : public reactor_op {
public:
    SendfileOpBase(func_type complete_func, asio::detail::socket_type socket, int file, off_t offset,
                   std::size_t count)
        : reactor_op(asio::error_code(), &SendfileOpBase::do_perform, complete_func),
          m_socket(socket),
          m_file(file),
          m_offset(offset),
          m_count(count) {}

    static status do_perform(reactor_op* base) {
        auto* o = static_cast<SendfileOpBase*>(base);
        while (true) {
            off_t offset = o->m_offset;
            const auto n = ::sendfile(o->m_socket, o->m_file, &offset, o->m_count);
            if (n >= 0) {
                o->bytes_transferred_ = static_cast<std::size_t>(n);
                return n > 0 && static_cast<std::size_t>(n) < o->m_count ? done_and_exhausted : done;
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return not_done;
            o->ec_ = asio::error_code(errno, asio::error::get_system_category());
            return done;
        }
    }

private:
    asio::detail::socket_type m_socket;
    int m_file;
    off_t m_offset;
    std::size_t m_count;
};

}  // namespace file_sender_detail

// Starts sendfile operations on one loop's reactor (looked up once). Every socket must belong
// to that loop.
class FileSender {
public:
    explicit FileSender(asio::io_context& io) : m_reactor(&asio::use_service<reactor_ops::reactor>(io)) {}

    // Sends up to `count` bytes of `file` from `offset` (which it does not move); completes
    // with the bytes sent, 0 when the file ends before `offset`.
    template <class Token>
    auto send_some(asio::ip::tcp::socket& socket, int file, off_t offset, std::size_t count, Token&& token) {
        return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
            [](auto handler, reactor_ops::reactor* r, asio::ip::tcp::socket* s, int f, off_t at, std::size_t n) {
                reactor_ops::start<file_sender_detail::SendfileOpBase>(*r, reactor_ops::reactor::write_op, *s, handler,
                                                                       f, at, n);
            },
            token, m_reactor, &socket, file, offset, count);
    }

private:
    reactor_ops::reactor* m_reactor;
};

}  // namespace fulcrum::proxy::server
