#pragma once

#include <optional>
#include <string>
#include <vector>

#include "proxy/config/config_reader.h"

namespace fulcrum::proxy::server {

// `fulcrum-agent proxy` options: either --config FILE, or quick mode (--listen + --to...).
struct ProxyCommandOptions {
    std::string config_file;
    std::string admin_socket;
    std::string listen;
    std::vector<std::string> to;
    std::string balance = "round_robin";
    std::vector<std::string> statics;  // "PREFIX=DIR", repeatable
    std::string tls_cert;
    std::string tls_key;
    std::optional<unsigned> threads;
    std::string user;  // quick mode: bind as root, then run as this account
    bool allow_root = false;
};

// The config quick mode stands for: one listener, static routes first, then "/" to a pool.
// Errors name the flag that caused them.
config::ConfigResult quick_config(const ProxyCommandOptions& options);

// Runs the proxy until SIGTERM/SIGINT (graceful stop); SIGHUP reloads certificates and re-reads --config. Prints
// where each listener is bound. Returns the exit code.
int run_proxy_command(const ProxyCommandOptions& options);

}  // namespace fulcrum::proxy::server
