#pragma once

#include "proxy/config/config_reader.h"
#include "proxy/server/proxy_command_options.h"

namespace fulcrum::proxy::server {

using ::fulcrum_io_shared::ProxyCommandOptions;

// The config quick mode stands for: one listener, static routes first, then "/" to a pool.
// Errors name the flag that caused them.
config::ConfigResult quick_config(const ProxyCommandOptions& options);

// Runs the proxy until SIGTERM/SIGINT (graceful stop); SIGHUP reloads certificates and re-reads --config. Prints
// where each listener is bound. Returns the exit code.
int run_proxy_command(const ProxyCommandOptions& options);

}  // namespace fulcrum::proxy::server
