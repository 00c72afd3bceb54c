#include "proxy/server/uring/entry.h"

#include <string_view>
#include <system_error>

#include "proxy/server/proxy_command.h"
#include "proxy/server/uring/uring_config.h"

int fulcrum_io_uring_run_proxy_command(const fulcrum_io_shared::ProxyCommandOptions& options, std::string& why) {
    try {
        return fulcrum::proxy::server::run_proxy_command(options);
    } catch (const std::system_error& e) {
        // Asio throws where an io_context creates its ring. The control loop's is the first
        // thing the command makes and the loops' follow before any listener is announced, so
        // the unwinding has closed what was opened; anything else is not ours to swallow.
        if (std::string_view(e.what()).find("io_uring_queue_init") == std::string_view::npos) throw;
        why = e.what();
        if (e.code() == std::errc::not_enough_memory) {
            why += " (io_uring rings count against the account's locked-memory limit: ulimit -l)";
        }
        return kIoUringDidNotStart;
    }
}
