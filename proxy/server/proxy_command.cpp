#include "proxy/server/proxy_command.h"

#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <csignal>
#include <cstdio>

#include "proxy/admin/admin_socket.h"
#include "proxy/config/config_check.h"
#include "proxy/server/admin_handler.h"
#include "proxy/server/privileges.h"
#include "proxy/server/proxy_server.h"

namespace fulcrum::proxy::server {

config::ConfigResult quick_config(const ProxyCommandOptions& options) {
    nlohmann::json listener = {{"name", "quick"}, {"address", options.listen}};
    if (!options.tls_cert.empty() || !options.tls_key.empty()) {
        listener["tls"] = {{"certificates", {{{"cert", options.tls_cert}, {"key", options.tls_key}}}}};
    }
    nlohmann::json doc = {{"listeners", {listener}}, {"routes", nlohmann::json::array()}};
    if (options.threads) doc["threads"] = *options.threads;
    if (!options.user.empty()) doc["user"] = options.user;
    config::ConfigResult early;
    for (const auto& spec : options.statics) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0) {
            early.errors.push_back({"--static", "'" + spec + "' is not PREFIX=DIR (e.g. /static/=/srv/site/static)"});
            continue;
        }
        doc["routes"].push_back({{"path_prefix", spec.substr(0, eq)}, {"static", {{"root", spec.substr(eq + 1)}}}});
    }
    if (!options.to.empty()) {
        nlohmann::json servers = nlohmann::json::array();
        for (const auto& to : options.to) servers.push_back({{"address", to}});
        doc["pools"] = {{{"name", "quick"}, {"balance", options.balance}, {"servers", servers}}};
        if (options.balance == "hash") doc["pools"][0]["hash_key"] = "uri";
        doc["routes"].push_back({{"path_prefix", "/"}, {"pool", "quick"}});
    }
    if (!early.errors.empty()) return early;
    auto result = config::read_config(doc);
    for (auto& error : result.errors) {
        // Name the flag rather than a path in a document the user never wrote.
        if (error.path.rfind("listeners", 0) == 0) error.path = error.path.find("tls") != std::string::npos ? "--tls-cert/--tls-key" : "--listen";
        else if (error.path.rfind("pools[0].servers", 0) == 0) error.path = "--to";
        else if (error.path.rfind("pools[0].balance", 0) == 0) error.path = "--balance";
        else if (error.path.rfind("routes", 0) == 0) error.path = "--static";
        else if (error.path == "threads") error.path = "--threads";
        else if (error.path == "user") error.path = "--user";
    }
    return result;
}

namespace {

void print_errors(const std::vector<config::ConfigError>& errors, const std::string& file) {
    for (const auto& error : errors) {
        std::fprintf(stderr, "fulcrum-agent proxy: %s\n", config::format_error(error, file).c_str());
    }
}

void print_listeners(const ProxyServer& server) {
    const auto snapshot = server.snapshot();
    if (!snapshot) return;
    for (const auto& listener : snapshot->listeners) {
        if (const auto endpoint = server.listener_endpoint(listener.config.name)) {
            std::printf("fulcrum-agent proxy: listener %s on %s:%u%s\n", listener.config.name.c_str(),
                        endpoint->address().to_string().c_str(), endpoint->port(), listener.tls ? " (TLS)" : "");
        }
    }
    if (const auto metrics = server.metrics_endpoint()) {
        std::printf("fulcrum-agent proxy: metrics on %s:%u\n", metrics->address().to_string().c_str(), metrics->port());
    }
    std::fflush(stdout);
}

}  // namespace

namespace {

// Root only to bind: with "user" the proxy binds as root and then becomes that account;
// without it, root is refused (--allow-root is the tests' escape hatch).
bool plan_privileges(const config::ProxyConfig& config, bool allow_root, std::optional<Account>& drop_to) {
    const bool root = ::geteuid() == 0;
    if (config.user && root) {
        std::string error;
        drop_to = find_account(*config.user, error);
        if (!drop_to) std::fprintf(stderr, "fulcrum-agent proxy: %s\n", error.c_str());
        return drop_to.has_value();
    }
    if (config.user) {
        std::fprintf(stderr, "fulcrum-agent proxy: \"user\": \"%s\" is ignored: not started as root (running as uid %u)\n",
                     config.user->c_str(), static_cast<unsigned>(::geteuid()));
        return true;
    }
    if (root && !allow_root) {
        std::fprintf(stderr,
                     "fulcrum-agent proxy: refusing to run as root. Either set \"user\": \"NAME\" in the config "
                     "(or --user NAME in quick mode): the proxy binds its ports as root and then runs as NAME; or "
                     "start it as an ordinary user, with CAP_NET_BIND_SERVICE for ports below 1024 (the agent's boot "
                     "unit does this). --allow-root is for tests only.\n");
        return false;
    }
    return true;
}

}  // namespace

#if defined(FULCRUM_IO_URING)
constexpr const char* kEventLoopName = "io_uring";
#else
constexpr const char* kEventLoopName = "epoll";
#endif

int run_proxy_command(const ProxyCommandOptions& options) {
    const bool file_mode = !options.config_file.empty();
    if (file_mode == !options.listen.empty()) {
        std::fprintf(stderr, "fulcrum-agent proxy: give either --config FILE or --listen ADDR --to ADDR...\n");
        return 2;
    }
    if (file_mode && !options.user.empty()) {
        std::fprintf(stderr, "fulcrum-agent proxy: --user is for quick mode; with --config, set \"user\" in the file\n");
        return 2;
    }
    auto loaded = file_mode ? config::load_config_file(options.config_file) : quick_config(options);
    if (!loaded.ok()) {
        print_errors(loaded.errors, options.config_file);
        return 1;
    }
    std::optional<Account> drop_to;
    if (!plan_privileges(*loaded.config, options.allow_root, drop_to)) return 1;
    if (drop_to && loaded.config->access_log) {
        if (std::string error; !hand_over_file(loaded.config->access_log->path, *drop_to, error)) {
            std::fprintf(stderr, "fulcrum-agent proxy: access_log.path: %s\n", error.c_str());
            return 1;
        }
    }
    std::signal(SIGPIPE, SIG_IGN);
    // Handlers first: once a listener line is printed, a SIGHUP (logrotate, the agent) or a
    // SIGTERM must find them, not the default action that kills the process. The set keeps
    // what arrives before the first wait.
    asio::io_context control(1);
    asio::signal_set signals(control, SIGTERM, SIGINT, SIGHUP);
    ServerOptions server_options;
    if (options.threads && file_mode) server_options.threads = *options.threads;
    ProxyServer server(server_options);
    std::vector<config::ConfigError> errors;
    if (!server.start(*loaded.config, errors)) {
        print_errors(errors, options.config_file);
        return 1;
    }
    if (drop_to) {
        // Every socket is bound; nothing below needs root, and the admin socket must belong
        // to the account the agent talks to it as.
        if (std::string error; !drop_privileges(*drop_to, error)) {
            std::fprintf(stderr, "fulcrum-agent proxy: cannot drop root privileges, stopping: %s\n", error.c_str());
            server.stop();
            return 1;
        }
        std::fprintf(stderr, "fulcrum-agent proxy: listeners bound as root; now running as %s (uid %u, gid %u)\n",
                     drop_to->name.c_str(), static_cast<unsigned>(drop_to->uid), static_cast<unsigned>(drop_to->gid));
    }
    std::unique_ptr<admin::AdminSocketServer> admin;
    if (!options.admin_socket.empty()) {
        admin = std::make_unique<admin::AdminSocketServer>(
            options.admin_socket, [&server](std::string_view line) { return handle_admin_line(server, line); });
        if (const auto error = admin->start(); !error.empty()) {
            std::fprintf(stderr, "fulcrum-agent proxy: admin socket: %s\n", error.c_str());
            server.stop();
            return 1;
        }
    }
    print_listeners(server);
    // Which copy of the proxy runs (event_loop_choice.h): said once, where the listeners are.
    std::printf("fulcrum-agent proxy: event loop %s\n", kEventLoopName);
    std::fflush(stdout);

    std::function<void(const asio::error_code&, int)> on_signal = [&](const asio::error_code& ec, int number) {
        if (ec) return;
        if (number == SIGHUP) {
            // Certificates first: a config whose files did not change keeps its TLS store, so
            // renewed PEM files (certbot and friends rewrite them in place) load only here.
            std::string cert_error;
            if (!server.reload_certificates(cert_error)) {
                std::fprintf(stderr, "fulcrum-agent proxy: certificates not reloaded (the old ones stay): %s\n",
                             cert_error.c_str());
            }
            if (file_mode) {
                auto next = config::load_config_file(options.config_file);
                std::vector<config::ConfigError> reload_errors;
                if (!next.ok()) {
                    print_errors(next.errors, options.config_file);
                } else if (!server.replace_config(*next.config, reload_errors)) {
                    print_errors(reload_errors, options.config_file);
                } else {
                    std::fprintf(stderr, "fulcrum-agent proxy: reloaded %s\n", options.config_file.c_str());
                    print_listeners(server);
                }
            }
            signals.async_wait(on_signal);
            return;
        }
        std::fprintf(stderr, "fulcrum-agent proxy: stopping (finishing in-flight requests)\n");
        if (admin) admin->stop();
        server.stop();
    };
    signals.async_wait(on_signal);
    control.run();
    return 0;
}

}  // namespace fulcrum::proxy::server
