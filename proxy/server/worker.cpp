#include "proxy/server/worker.h"

#include <sys/socket.h>

#include <asio/co_spawn.hpp>

#include "proxy/util/run_loop.h"
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "proxy/log/access_log.h"
#include "proxy/server/proxy_server.h"
#include "proxy/server/session.h"

namespace fulcrum::proxy::server {

namespace {
// Buffers kept for reuse per loop thread: enough for the requests one loop has in flight at
// a time in practice; a burst beyond it allocates and frees.
constexpr std::size_t kReserve = 64;
}  // namespace

std::unique_ptr<char[]> BufferPool::take() {
    // Not make_unique: that zero-fills all 32 KiB, making every page resident although a
    // request usually touches one; left uninitialised, untouched pages cost no memory.
    if (m_free.empty()) return std::unique_ptr<char[]>(new char[m_size]);
    auto out = std::move(m_free.back());
    m_free.pop_back();
    return out;
}

void BufferPool::give(std::unique_ptr<char[]> buffer) {
    // Keep a bounded reserve; a burst's extra buffers go back to the allocator.
    if (buffer && m_free.size() < kReserve) m_free.push_back(std::move(buffer));
}

// How late a timeout may fire: every connection's deadline is checked this often.
constexpr auto kDeadlineTick = std::chrono::milliseconds(50);

Worker::Worker(ProxyServer& server, std::size_t index, std::size_t buffer_size)
    : m_server(server),
      m_index(index),
      m_buffers(buffer_size),
      m_exchanges(server.options().limits),
      m_sweep_timer(m_io),
      m_deadline_timer(m_io) {}

Worker::~Worker() { join(); }

void Worker::start() {
    sweep_idle();
    m_thread = std::thread([this] { run_loop(m_io); });
}

void Worker::join() {
    if (m_thread.joinable()) {
        m_io.stop();
        m_thread.join();
    }
}

void Worker::adopt_acceptor(std::string key, std::shared_ptr<asio::ip::tcp::acceptor> acceptor) {
    asio::post(m_io, [this, key = std::move(key), acceptor = std::move(acceptor)]() mutable {
        m_acceptors[key] = acceptor;
        accept_loop(key, acceptor);
    });
}

void Worker::close_acceptor(const std::string& key) {
    asio::post(m_io, [this, key] {
        if (const auto it = m_acceptors.find(key); it != m_acceptors.end()) {
            asio::error_code ec;
            it->second->close(ec);
            m_acceptors.erase(it);
        }
    });
}

void Worker::close_all_acceptors() {
    asio::post(m_io, [this] {
        for (auto& [key, acceptor] : m_acceptors) {
            asio::error_code ignored;
            acceptor->close(ignored);
        }
        m_acceptors.clear();
    });
}

void Worker::accept_loop(std::string key, std::shared_ptr<asio::ip::tcp::acceptor> acceptor) {
    asio::co_spawn(
        m_io,
        [this, key, acceptor]() -> asio::awaitable<void> {
            while (acceptor->is_open()) {
                asio::error_code ec;
                asio::ip::tcp::socket socket(m_io);
                asio::ip::tcp::endpoint peer;
                co_await m_accepter.accept(*acceptor, socket, peer, asio::redirect_error(asio::use_awaitable, ec));
                if (!ec) {
                    // Served even when the acceptor closed meanwhile (a reload re-binding this
                    // listener; on io_uring the ring's accept can complete after the close asked
                    // to cancel it): dropping it would reset a client that did nothing wrong.
                    const auto snapshot = m_server.snapshot();
                    const auto* listener = snapshot ? snapshot->listener_by_key(key) : nullptr;
                    if (listener) start_session(*this, std::move(socket), peer, *listener);
                    continue;  // a listener being removed: the socket closes
                }
                if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
                // EMFILE and friends: back off briefly rather than spin.
                asio::steady_timer pause(m_io, std::chrono::milliseconds(50));
                co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
        },
        asio::detached);
}

// How long a parked upstream connection may skip the probe for a replay-safe request. A
// server that closes a connection without saying so in its last response does it at once
// (a crash, a restart: EOF or RST, which the caller's retry absorbs); one that writes stray
// bytes first (a 408 on idle) does it after its own idle timeout, seconds later, and those
// bytes must never be taken for the answer, so older connections are always probed.
constexpr std::int64_t kUnprobedIdleMs = 1000;

std::optional<asio::ip::tcp::socket> Worker::take_idle(const pool::ServerRuntime* server, bool replay_safe) {
    const auto it = m_idle.find(server);
    if (it == m_idle.end()) return std::nullopt;
    auto& list = it->second.connections;
    const auto now = replay_safe ? pool::now_ms() : 0;
    while (!list.empty()) {
        auto connection = std::move(list.back());
        list.pop_back();
        if (replay_safe && now - connection.parked_ms < kUnprobedIdleMs) return std::move(connection.socket);
        // A connection the server closed while idle reads as EOF (or stray bytes): drop it
        // here instead of failing a request on it.
        char probe;
        const auto n = ::recv(connection.socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return std::move(connection.socket);
        asio::error_code ec;
        connection.socket.close(ec);
    }
    return std::nullopt;
}

void Worker::put_idle(const std::shared_ptr<pool::ServerRuntime>& server, asio::ip::tcp::socket socket,
                      std::uint32_t max_idle, std::uint64_t idle_timeout_ms) {
    if (server->removed.load(std::memory_order_relaxed) || m_server.stopping()) return;
    auto& list = m_idle[server.get()];
    list.server = server;
    if (list.connections.size() >= max_idle) {
        asio::error_code ec;
        list.connections.front().socket.close(ec);
        list.connections.pop_front();
    }
    const auto now = pool::now_ms();
    list.connections.push_back({std::move(socket), now, now + static_cast<std::int64_t>(idle_timeout_ms)});
}

void Worker::sweep_idle() {
    m_server.access_log().tick(m_index);  // lines reach the file within a second or two
    const auto now = pool::now_ms();
    for (auto it = m_idle.begin(); it != m_idle.end();) {
        auto& list = it->second.connections;
        const bool gone = it->second.server->removed.load(std::memory_order_relaxed) || m_server.stopping();
        while (!list.empty() && (gone || list.front().expires_ms <= now)) {
            asio::error_code ec;
            list.front().socket.close(ec);
            list.pop_front();
        }
        if (list.empty()) {
            it = m_idle.erase(it);
        } else {
            ++it;
        }
    }
    m_sweep_timer.expires_after(std::chrono::seconds(1));
    m_sweep_timer.async_wait([this](const asio::error_code& ec) {
        if (!ec) sweep_idle();
    });
}

void Worker::track(SessionBase* session) {
    m_sessions.insert(session);
    if (!m_deadline_ticking) {
        m_deadline_ticking = true;
        tick_deadlines();
    }
}

void Worker::tick_deadlines() {
    if (m_sessions.empty()) {
        m_deadline_ticking = false;
        return;
    }
    // check_deadline only cancels socket operations; their completions run later, so no
    // session leaves the set while it is walked.
    const auto now = std::chrono::steady_clock::now();
    for (auto* session : m_sessions) session->check_deadline(now);
    m_deadline_timer.expires_after(kDeadlineTick);
    m_deadline_timer.async_wait([this](const asio::error_code& ec) {
        if (ec) {
            m_deadline_ticking = false;
            return;
        }
        tick_deadlines();
    });
}

void Worker::stop_sessions() {
    asio::post(m_io, [this] {
        for (auto* session : std::vector<SessionBase*>(m_sessions.begin(), m_sessions.end())) session->on_stop();
        sweep_idle();
    });
}

}  // namespace fulcrum::proxy::server
