#pragma once

#include <asio/io_context.hpp>
#include <exception>

namespace fulcrum::proxy {

// Runs a loop until it stops. A handler that throws is a bug; the loop keeps serving
// everyone else rather than taking the thread (and the process) down.
inline void run_loop(asio::io_context& io) {
    while (true) {
        try {
            io.run();
            return;
        } catch (const std::exception&) {
            continue;
        }
    }
}

}  // namespace fulcrum::proxy
