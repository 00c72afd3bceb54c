#pragma once

namespace fulcrum::agent {

// Parses the command line and runs the chosen subcommand; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace fulcrum::agent
