#pragma once
// Runs a short external command (sudo -n, systemctl, crontab, loginctl) with a hard time
// limit. Blocking: only for rare, user-triggered checks, never in a per-request hot path.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::agent {

struct CommandResult {
    bool started = false;      // false: not found or could not exec
    bool timed_out = false;    // killed after the time limit
    int exit_code = -1;        // -1 if killed by a signal
    std::string output;        // stdout and stderr, at most 64 KiB
    bool ok() const { return started && !timed_out && exit_code == 0; }
};

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds limit,
                          const std::optional<std::string>& stdin_text = std::nullopt);

}  // namespace fulcrum::agent
