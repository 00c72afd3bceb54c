#pragma once

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include "proxy/pool/pool_runtime.h"

namespace fulcrum::proxy::pool {

// Active HTTP health checks on a thread of their own, so a slow or hanging server never
// delays a request. Each server of a pool with a `health` section gets a loop: every
// interval, connect, GET the path (Connection: close), read the status line, judge it
// against expect_status_min/max; rise consecutive passes mark it up, fall failures down.
// update() replaces the set of pools; loops of the previous set stop at their next wake.
class HealthChecker {
public:
    HealthChecker();
    ~HealthChecker();
    HealthChecker(const HealthChecker&) = delete;
    HealthChecker& operator=(const HealthChecker&) = delete;

    void update(const std::vector<std::shared_ptr<PoolRuntime>>& pools);
    void stop();

private:
    asio::awaitable<void> check_loop(std::weak_ptr<ServerRuntime> server, std::weak_ptr<PoolRuntime> pool,
                                     config::HealthConfig health, std::uint64_t generation);

    asio::io_context m_io{1};
    std::thread m_thread;
    std::uint64_t m_generation = 0;  // health thread only
    std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> m_work;
};

}  // namespace fulcrum::proxy::pool
