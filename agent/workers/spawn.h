#pragma once
// Starts a supervised process: its own session and process group (so a stop reaches every
// process it forked), stdin from /dev/null, stdout and stderr appended to a log file the
// process keeps writing even when the agent is gone, and a clean signal state.

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fulcrum::agent {

struct SpawnRequest {
    std::vector<std::string> argv;
    std::string cwd;                          // empty: inherit
    std::map<std::string, std::string> env;   // added to (and overriding) the agent's environment
    std::filesystem::path log_file;           // stdout, O_APPEND; empty: /dev/null
    std::filesystem::path error_log_file;     // stderr, O_APPEND; empty: with stdout
};

struct SpawnResult {
    pid_t pid = -1;
    std::string error;  // why it could not start ("cannot execute python9: No such file or directory")
    bool ok() const { return pid > 0; }
};

// fork + exec. Reports exec failures synchronously through a close-on-exec pipe, so "command
// not found" is an immediate, precise error instead of a mysterious exit 127.
SpawnResult spawn_process(const SpawnRequest& request);

// SIGTERM/SIGKILL to the whole process group of `pgid`; false if nothing was there.
bool signal_group(pid_t pgid, int signal);

}  // namespace fulcrum::agent
