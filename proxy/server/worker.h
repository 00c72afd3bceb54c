#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "proxy/pool/server_runtime.h"
#include "proxy/server/accept_op.h"
#include "proxy/server/drained_read.h"
#include "proxy/server/exchange.h"
#include "proxy/server/file_sender.h"
#include "proxy/static/small_file_cache.h"

namespace fulcrum::proxy::server {

class ProxyServer;

// Fixed-size read buffers, recycled per loop thread: a connection holds one only while a
// request is in progress, so idle keep-alive connections cost a socket and a small object.
class BufferPool {
public:
    explicit BufferPool(std::size_t size) : m_size(size) {}
    std::unique_ptr<char[]> take();
    void give(std::unique_ptr<char[]> buffer);
    std::size_t size() const { return m_size; }

private:
    std::size_t m_size;
    std::vector<std::unique_ptr<char[]>> m_free;
};

// What a worker can ask of a connection it tracks (graceful stop, timeouts).
class SessionBase {
public:
    virtual ~SessionBase() = default;
    virtual void on_stop() = 0;  // close now if idle; otherwise finish the request and close
    // Enforces the connection's current timeout: past its deadline, cancels what it waits on.
    virtual void check_deadline(std::chrono::steady_clock::time_point now) = 0;
};

// One event loop on one thread: its own acceptors (SO_REUSEPORT), connections, idle
// upstream connections and buffers. Nothing here is touched from another thread except
// through post() onto io().
class Worker {
public:
    Worker(ProxyServer& server, std::size_t index, std::size_t buffer_size);
    ~Worker();

    asio::io_context& io() { return m_io; }
    ProxyServer& server() { return m_server; }
    std::size_t index() const { return m_index; }
    BufferPool& buffers() { return m_buffers; }
    ExchangePool& exchanges() { return m_exchanges; }
    DrainedReader& reader() { return m_reader; }
    FileSender& file_sender() { return m_file_sender; }
    static_files::SmallFileCache& small_files() { return m_small_files; }

    void start();
    void join();

    // Acceptors are created and bound on the control thread, then handed over here.
    void adopt_acceptor(std::string key, std::shared_ptr<asio::ip::tcp::acceptor> acceptor);
    void close_acceptor(const std::string& key);
    void close_all_acceptors();

    // Idle upstream connections, per server; loop thread only. `replay_safe`: the caller
    // retries the request elsewhere if the connection turns out to be closed, so a connection
    // parked only briefly is handed out without the probe (one syscall less per request).
    std::optional<asio::ip::tcp::socket> take_idle(const pool::ServerRuntime* server, bool replay_safe = false);
    void put_idle(const std::shared_ptr<pool::ServerRuntime>& server, asio::ip::tcp::socket socket,
                  std::uint32_t max_idle, std::uint64_t idle_timeout_ms);

    void track(SessionBase* session);
    void untrack(SessionBase* session) { m_sessions.erase(session); }
    void stop_sessions();
    std::size_t session_count() const { return m_session_count.load(std::memory_order_relaxed); }
    void count_session(int delta) { m_session_count.fetch_add(static_cast<std::size_t>(delta), std::memory_order_relaxed); }

private:
    void accept_loop(std::string key, std::shared_ptr<asio::ip::tcp::acceptor> acceptor);
    void sweep_idle();
    void tick_deadlines();

    struct IdleConnection {
        asio::ip::tcp::socket socket;
        std::int64_t parked_ms;
        std::int64_t expires_ms;
    };
    struct IdleList {
        std::shared_ptr<pool::ServerRuntime> server;  // pins the key's address
        std::deque<IdleConnection> connections;
    };

    ProxyServer& m_server;
    std::size_t m_index;
    // Declared before the loop so they outlive it: destroying the io_context destroys the
    // connections still queued on it, and those give back buffers and untrack themselves.
    BufferPool m_buffers;
    ExchangePool m_exchanges;
    static_files::SmallFileCache m_small_files;
    std::unordered_set<SessionBase*> m_sessions;
    std::atomic<std::size_t> m_session_count{0};
    asio::io_context m_io{1};
    DrainedReader m_reader{m_io};
    FileSender m_file_sender{m_io};
    Accepter m_accepter{m_io};
    std::thread m_thread;
    std::unordered_map<std::string, std::shared_ptr<asio::ip::tcp::acceptor>> m_acceptors;
    std::unordered_map<const pool::ServerRuntime*, IdleList> m_idle;
    asio::steady_timer m_sweep_timer;
    // One timer for every connection's timeouts instead of one timer (and a watchdog
    // coroutine) each: arming a timeout is two stores, and an idle connection carries no
    // pending timer operation. Runs only while there are connections.
    asio::steady_timer m_deadline_timer;
    bool m_deadline_ticking = false;
};

}  // namespace fulcrum::proxy::server
