#pragma once
// Wall-clock and monotonic time in milliseconds, the units of the protocol.

#include <chrono>
#include <cstdint>

namespace fulcrum::agent {

inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

inline std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace fulcrum::agent
