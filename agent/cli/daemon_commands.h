#pragma once

#include <CLI/CLI.hpp>

namespace fulcrum::agent {

// Registers `daemon`, `rpc` and `status`; the chosen one stores its exit code in exit_code.
void add_daemon_commands(CLI::App& app, int& exit_code);

}  // namespace fulcrum::agent
