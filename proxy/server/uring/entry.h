#pragma once

#include "proxy/server/proxy_command_options.h"

#include <string>

// The io_uring copy's `fulcrum-agent proxy` (its run_proxy_command). A global name on purpose:
// the copy's own namespaces are renamed (proxy/CMakeLists.txt), this one is how the epoll
// copy's event_loop_choice.cpp reaches it.
//
// Returns the command's exit code, or kIoUringDidNotStart with `why` set when one of its rings
// could not be created (the probe's small ring fitted, the loops' rings did not: RLIMIT_MEMLOCK)
// — by then everything the copy had started is stopped again, and the caller may run the
// epoll copy instead.
constexpr int kIoUringDidNotStart = -1;
int fulcrum_io_uring_run_proxy_command(const fulcrum_io_shared::ProxyCommandOptions& options, std::string& why);
