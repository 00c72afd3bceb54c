#pragma once
// Running helper programs (ip, ssh-keygen, nsenter, ...) from the test process with a
// deadline, collecting their output. Used by the simulated-host harness only.

#include <chrono>
#include <string>
#include <vector>

namespace fulcrum::testing {

struct CommandResult {
    int exit_code = -1;  // -1 when killed by a signal or timed out
    bool timed_out = false;
    std::string out;
    std::string err;
    bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs argv[0] (looked up in PATH) with the given stdin; kills its whole process group when
// the deadline passes. Output that daemons keep writing after the command itself exited is
// not waited for: the result is complete as soon as the command has exited.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::string& input = {});

// Same, but a failure throws std::runtime_error naming the command and its stderr.
std::string run_or_throw(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20),
                         const std::string& input = {});

std::string shell_quote(const std::string& word);

}  // namespace fulcrum::testing
