#include "proxy/server/worker.h"

#include <sys/socket.h>

#include <asio/co_spawn.hpp>

#include "proxy/util/run_loop.h"
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "proxy/server/proxy_server.h"
#include "proxy/server/session.h"

namespace fulcrum::proxy::server {

std::unique_ptr<char[]> BufferPool::take() {
    if (m_free.empty()) return std::make_unique<char[]>(m_size);
    auto out = std::move(m_free.back());
    m_free.pop_back();
    return out;
}

void BufferPool::give(std::unique_ptr<char[]> buffer) {
    // Keep a bounded reserve; a burst's extra buffers go back to the allocator.
    if (buffer && m_free.size() < 256) m_free.push_back(std::move(buffer));
}

Worker::Worker(ProxyServer& server, std::size_t index, std::size_t buffer_size)
    : m_server(server), m_index(index), m_buffers(buffer_size), m_sweep_timer(m_io) {}

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
            asio::error_code ec;
            acceptor->close(ec);
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
                auto socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
                if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
                if (ec) {
                    // EMFILE and friends: back off briefly rather than spin.
                    asio::steady_timer pause(m_io, std::chrono::milliseconds(50));
                    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                    continue;
                }
                const auto snapshot = m_server.snapshot();
                const auto* listener = snapshot ? snapshot->listener_by_key(key) : nullptr;
                if (!listener) continue;  // being removed: the socket closes
                start_session(*this, std::move(socket), *listener);
            }
        },
        asio::detached);
}

std::optional<asio::ip::tcp::socket> Worker::take_idle(const pool::ServerRuntime* server) {
    const auto it = m_idle.find(server);
    if (it == m_idle.end()) return std::nullopt;
    auto& list = it->second.connections;
    while (!list.empty()) {
        auto connection = std::move(list.back());
        list.pop_back();
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
    list.connections.push_back({std::move(socket), pool::now_ms() + static_cast<std::int64_t>(idle_timeout_ms)});
}

void Worker::sweep_idle() {
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

void Worker::stop_sessions() {
    asio::post(m_io, [this] {
        for (auto* session : std::vector<SessionBase*>(m_sessions.begin(), m_sessions.end())) session->on_stop();
        sweep_idle();
    });
}

}  // namespace fulcrum::proxy::server
