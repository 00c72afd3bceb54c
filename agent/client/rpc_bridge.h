#pragma once
// `fulcrum-agent rpc`: relays stdin/stdout to the daemon's socket, starting the daemon first
// if none is listening. This is what the panel runs over SSH and as a local child.

#include "agent/daemon/state_paths.h"

#include <chrono>
#include <string>
#include <vector>

namespace fulcrum::agent {

struct BridgeOptions {
    StatePaths paths;
    std::string self_exe;                     // binary used to start the daemon
    std::vector<std::string> daemon_args;     // extra args for `daemon` (e.g. --state-dir)
    std::chrono::milliseconds start_timeout{10000};
};

// Connects (starting the daemon if needed); returns an error message or "" and the socket fd.
std::string connect_or_start_daemon(const BridgeOptions& options, int& socket_fd);

// Runs the bridge until either side closes; returns the exit code.
int run_rpc_bridge(const BridgeOptions& options);

}  // namespace fulcrum::agent
