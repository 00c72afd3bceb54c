#include "agent/cli/proxy_commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "proxy/config/config_check.h"

namespace fulcrum::agent {

void add_proxy_commands(CLI::App& app, int& exit_code) {
    auto file = std::make_shared<std::string>();
    auto* check = app.add_subcommand("check", "Validate a host config file (like nginx -t); exit 0 or 1");
    check->add_option("file", *file, "The config file (JSON)")->required();
    check->callback([file, &exit_code] { exit_code = proxy::config::check_config_file(*file, stdout, stderr); });
}

}  // namespace fulcrum::agent
