#pragma once
// Periodic timers of the daemon expire on one grid of steady-clock time: a timer with period P
// expires at the next multiple of P since the clock's epoch. The 1 s metrics tick and a 2 s
// health-check round then expire at the same instant, and Asio's reactor runs both after one
// wakeup instead of two (an idle daemon's cost is mostly its wakeups and syscalls).

#include <chrono>

namespace fulcrum::agent {

// The first grid point of `period` strictly after `now`.
inline std::chrono::steady_clock::time_point next_grid_point(std::chrono::steady_clock::time_point now,
                                                             std::chrono::milliseconds period) {
    using std::chrono::steady_clock;
    const auto step = std::chrono::duration_cast<steady_clock::duration>(period);
    if (step <= steady_clock::duration::zero()) return now;
    const auto since_epoch = now.time_since_epoch();
    return steady_clock::time_point((since_epoch / step + 1) * step);
}

}  // namespace fulcrum::agent
