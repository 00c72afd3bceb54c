// launch(): a coroutine started from the loop runs at once until its first wait and goes on
// from the loop; an exception ends it without ending the loop; a loop destroyed while it waits
// destroys it too (what it holds is released: a Session's last reference).
#include "proxy/server/launch.h"

#include <chrono>
#include <memory>
#include <stdexcept>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

namespace {

using fulcrum::proxy::server::launch;
using namespace std::chrono_literals;

asio::awaitable<void> wait_for(asio::io_context& io, std::chrono::milliseconds delay) {
    asio::steady_timer timer(io, delay);
    asio::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

TEST(Launch, RunsAtOnceUntilItsFirstWaitAndGoesOnFromTheLoop) {
    asio::io_context io{1};
    int steps = 0;
    int steps_when_launch_returned = -1;
    asio::post(io, [&] {
        launch(io.get_executor(), [](asio::io_context& loop, int& count) -> asio::awaitable<void> {
            ++count;
            co_await wait_for(loop, 10ms);
            ++count;
            co_await wait_for(loop, 10ms);
            ++count;
        }(io, steps));
        steps_when_launch_returned = steps;
    });
    io.run_for(5s);
    EXPECT_EQ(steps_when_launch_returned, 1);
    EXPECT_EQ(steps, 3);
}

TEST(Launch, AnExceptionEndsTheCoroutineAndTheLoopGoesOn) {
    asio::io_context io{1};
    bool after = false;
    asio::post(io, [&] {
        launch(io.get_executor(), [](asio::io_context& loop) -> asio::awaitable<void> {
            co_await wait_for(loop, 5ms);
            throw std::runtime_error("a bug in a request");
        }(io));
    });
    asio::steady_timer later(io, 50ms);
    later.async_wait([&](asio::error_code) { after = true; });
    EXPECT_NO_THROW(io.run_for(5s));
    EXPECT_TRUE(after);
}

TEST(Launch, ALoopDestroyedWhileTheCoroutineWaitsReleasesWhatItHolds) {
    auto held = std::make_shared<int>(7);
    {
        asio::io_context io{1};
        asio::post(io, [&io, copy = held] {
            launch(io.get_executor(), [](asio::io_context& loop, std::shared_ptr<int> mine) -> asio::awaitable<void> {
                co_await wait_for(loop, 1h);
                ++*mine;
            }(io, copy));
        });
        io.run_for(20ms);
        EXPECT_EQ(held.use_count(), 2);  // the waiting coroutine's frame holds one
    }
    EXPECT_EQ(held.use_count(), 1);
    EXPECT_EQ(*held, 7);
}

// A coroutine that is its own bottom of stack (BottomOfStack: no frame of launch's around it)
// runs the same way, and what it catches itself ends only it.
TEST(Launch, ABottomOfStackRunsAtOnceAndCatchesItsOwnExceptions) {
    using fulcrum::proxy::server::BottomOfStack;
    asio::io_context io{1};
    int steps = 0;
    int steps_when_launch_returned = -1;
    bool caught = false;
    asio::post(io, [&] {
        launch(io.get_executor(), [](asio::io_context& loop, int& count, bool& got) -> BottomOfStack {
            try {
                ++count;
                co_await wait_for(loop, 10ms);
                ++count;
                throw std::runtime_error("a bug in a request");
            } catch (const std::runtime_error&) {
                got = true;
            }
        }(io, steps, caught));
        steps_when_launch_returned = steps;
    });
    bool after = false;
    asio::steady_timer later(io, 50ms);
    later.async_wait([&](asio::error_code) { after = true; });
    EXPECT_NO_THROW(io.run_for(5s));
    EXPECT_EQ(steps_when_launch_returned, 1);
    EXPECT_EQ(steps, 2);
    EXPECT_TRUE(caught);
    EXPECT_TRUE(after);
}

}  // namespace
