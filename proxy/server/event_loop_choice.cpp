#include "proxy/server/event_loop_choice.h"

#include <cstdio>
#include <string>

#if defined(FULCRUM_WITH_IO_URING_COPY)
#include "proxy/server/uring/entry.h"
#include "proxy/server/uring/ring_setup.h"
#endif

namespace fulcrum::proxy::server {

int run_proxy_command_on_chosen_loop(const ProxyCommandOptions& options) {
    const std::string& wanted = options.event_loop;
    if (wanted != "auto" && wanted != "epoll" && wanted != "io_uring") {
        std::fprintf(stderr, "fulcrum-agent proxy: --event-loop is auto, epoll or io_uring, not \"%s\"\n",
                     wanted.c_str());
        return 2;
    }
    if (wanted == "epoll") return run_proxy_command(options);
#if defined(FULCRUM_WITH_IO_URING_COPY)
    // Why not io_uring: the probe's answer, or the copy's own when its loops' rings could not
    // be made after all (ring memory counts against the locked-memory limit).
    std::string why = ::fulcrum_io_shared::io_uring_unavailable_reason();
    if (why.empty()) {
        const int code = ::fulcrum_io_uring_run_proxy_command(options, why);
        if (code != kIoUringDidNotStart) return code;
    }
    if (wanted == "io_uring") {
        std::fprintf(stderr,
                     "fulcrum-agent proxy: cannot run on io_uring: %s. Use --event-loop auto (it falls back to "
                     "epoll) or --event-loop epoll.\n",
                     why.c_str());
        return 1;
    }
    std::fprintf(stderr, "fulcrum-agent proxy: running on epoll, not io_uring: %s\n", why.c_str());
#else
    if (wanted == "io_uring") {
        std::fprintf(stderr,
                     "fulcrum-agent proxy: this fulcrum-agent was built without io_uring (FULCRUM_IO_URING=OFF); "
                     "use --event-loop auto or epoll\n");
        return 1;
    }
#endif
    return run_proxy_command(options);
}

}  // namespace fulcrum::proxy::server
