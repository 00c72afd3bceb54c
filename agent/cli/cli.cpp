#include "agent/cli/cli.h"

#include "agent/cli/cert_command.h"
#include "agent/cli/daemon_commands.h"
#include "agent/cli/proxy_commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>

namespace fulcrum::agent {

int run_cli(int argc, char** argv) {
    CLI::App app{"fulcrum-agent: supervisor, reverse proxy and load balancer for one host"};
    app.require_subcommand(1);
    int exit_code = 0;

    auto* version = app.add_subcommand("version", "Print the agent version");
    version->callback([] { std::printf("fulcrum-agent %s\n", FULCRUM_VERSION); });
    add_cert_command(app);
    add_daemon_commands(app, exit_code);
    add_proxy_commands(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return exit_code;
}

}  // namespace fulcrum::agent
