#include "agent/cli/proxy_commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "proxy/config/config_check.h"
#include "proxy/server/event_loop_choice.h"

namespace fulcrum::agent {

void add_proxy_commands(CLI::App& app, int& exit_code) {
    auto file = std::make_shared<std::string>();
    auto* check = app.add_subcommand("check", "Validate a host config file (like nginx -t); exit 0 or 1");
    check->add_option("file", *file, "The config file (JSON)")->required();
    check->callback([file, &exit_code] { exit_code = proxy::config::check_config_file(*file, stdout, stderr); });

    auto options = std::make_shared<proxy::server::ProxyCommandOptions>();
    auto* proxy = app.add_subcommand("proxy", "Run the reverse proxy / load balancer (config file or quick mode)");
    proxy->add_option("--config", options->config_file, "Host config file; SIGHUP re-reads it");
    proxy->add_option("--admin-socket", options->admin_socket, "Admin Unix socket (JSON lines, mode 0600)");
    proxy->add_option("--listen", options->listen, "Quick mode: address to listen on, e.g. 127.0.0.1:8080");
    proxy->add_option("--to", options->to, "Quick mode: an upstream server (repeatable)");
    proxy->add_option("--balance", options->balance,
                      "Quick mode: round_robin | least_conn | ip_hash | hash | random_two");
    proxy->add_option("--static", options->statics, "Quick mode: PREFIX=DIR static route (repeatable)");
    proxy->add_option("--tls-cert", options->tls_cert, "Quick mode: certificate (PEM)");
    proxy->add_option("--tls-key", options->tls_key, "Quick mode: private key (PEM)");
    proxy->add_option("--threads", options->threads, "Loop threads (default: the config's, or one per CPU)");
    proxy->add_option("--user", options->user,
                      "Quick mode: when started as root, bind and then run as this account (--config: \"user\")");
    proxy->add_option("--event-loop", options->event_loop,
                      "epoll | auto (io_uring where the host allows it, else epoll) | io_uring")
        ->envname("FULCRUM_PROXY_EVENT_LOOP")
        ->capture_default_str();
    proxy->add_flag("--allow-root", options->allow_root, "Run even as root (tests only)");
    proxy->callback([options, &exit_code] { exit_code = proxy::server::run_proxy_command_on_chosen_loop(*options); });
}

}  // namespace fulcrum::agent
