#include "proxy/pool/health_checker.h"

#include <asio/co_spawn.hpp>

#include "proxy/util/run_loop.h"
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <charconv>

namespace fulcrum::proxy::pool {

namespace {

asio::awaitable<bool> check_once(asio::io_context& io, const ServerRuntime& server, const config::HealthConfig& health) {
    asio::ip::tcp::socket socket(io);
    asio::steady_timer deadline(io, std::chrono::milliseconds(health.timeout_ms));
    // The deadline closes the socket, which fails whatever step is waiting.
    deadline.async_wait([&socket](const asio::error_code& ec) {
        if (!ec) {
            asio::error_code ignored;
            socket.close(ignored);
        }
    });
    asio::error_code ec;
    co_await socket.async_connect(server.endpoint(), asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
        const std::string request = "GET " + health.path + " HTTP/1.1\r\nHost: " + server.address() +
                                    "\r\nUser-Agent: fulcrum-health\r\nConnection: close\r\n\r\n";
        co_await asio::async_write(socket, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
    }
    std::string line;
    if (!ec) {
        asio::dynamic_string_buffer buffer(line, 4096);
        co_await asio::async_read_until(socket, buffer, "\r\n", asio::redirect_error(asio::use_awaitable, ec));
    }
    deadline.cancel();
    asio::error_code ignored;
    socket.close(ignored);
    if (ec) co_return false;
    // "HTTP/1.1 200 OK"
    if (line.size() < 12 || line.compare(0, 5, "HTTP/") != 0) co_return false;
    unsigned status = 0;
    const auto r = std::from_chars(line.data() + 9, line.data() + 12, status);
    if (r.ec != std::errc()) co_return false;
    co_return status >= health.expect_status_min && status <= health.expect_status_max;
}

}  // namespace

// One server's checks until the server or its pool is gone or a newer update() arrived.
// (A named coroutine rather than a lambda: clang 14 cannot emit debug info for the latter.)
asio::awaitable<void> HealthChecker::check_loop(std::weak_ptr<ServerRuntime> weak, std::weak_ptr<PoolRuntime> pool_weak,
                                               config::HealthConfig health, std::uint64_t generation) {
    asio::steady_timer timer(m_io);
    while (generation == m_generation) {
        {
            auto live = weak.lock();
            if (!live || pool_weak.expired() || live->removed.load()) co_return;
            const bool ok = co_await check_once(m_io, *live, health);
            if (generation != m_generation) co_return;
            live->record_check(ok, health.rise, health.fall);
        }
        timer.expires_after(std::chrono::milliseconds(health.interval_ms));
        asio::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

HealthChecker::HealthChecker() {
    m_work = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(m_io.get_executor());
    m_thread = std::thread([this] { run_loop(m_io); });
}

HealthChecker::~HealthChecker() { stop(); }

void HealthChecker::stop() {
    if (!m_thread.joinable()) return;
    m_work.reset();
    m_io.stop();
    m_thread.join();
}

void HealthChecker::update(const std::vector<std::shared_ptr<PoolRuntime>>& pools) {
    asio::post(m_io, [this, pools] {
        const auto generation = ++m_generation;
        for (const auto& pool : pools) {
            if (!pool->config().health) continue;
            const auto health = *pool->config().health;
            for (const auto& server : pool->servers()) {
                asio::co_spawn(m_io, check_loop(server, pool, health, generation), asio::detached);
            }
        }
    });
}

}  // namespace fulcrum::proxy::pool
