#pragma once
// One worker group as the agent runs it: the validated form of an entry of the host config's
// `workers` section (see TEAM.md, HOST CONFIG CONTRACT).

#include <map>
#include <string>
#include <vector>

namespace fulcrum::agent {

struct HealthCheckSpec {
    enum class Type { none, tcp, http };
    Type type = Type::none;
    std::string path = "/";  // http only
    // Between probes of a running instance (a starting one is probed every 200 ms). 2 s, as the
    // proxy's own active checks: at 1 s the probes were most of an idle agent's CPU.
    int interval_ms = 2000;
    int timeout_ms = 1000;
    bool operator==(const HealthCheckSpec&) const = default;
};

struct RestartSpec {
    enum class Policy { always, on_failure, never };
    Policy policy = Policy::always;
    int backoff_initial_ms = 500;
    int backoff_max_ms = 30000;
    int stable_after_ms = 10000;  // uptime after which a crash no longer counts as "fast"
    int max_fast_failures = 5;    // consecutive fast failures before the instance is "failing"
    bool operator==(const RestartSpec&) const = default;
};

struct WorkerGroupSpec {
    std::string name;
    std::vector<std::string> command;  // template: {port} and {index} are substituted per instance
    std::vector<int> ports;            // one instance per port; from `ports` or count + base_port
    bool explicit_ports = false;       // `ports` was given (so scaling cannot invent ports)
    std::string cwd;                   // empty: the state directory
    std::map<std::string, std::string> env;
    HealthCheckSpec health;
    RestartSpec restart;
    int stop_grace_ms = 10000;
    bool operator==(const WorkerGroupSpec&) const = default;

    // Command line for one instance, with {port} and {index} replaced.
    std::vector<std::string> argv_for(int index) const;
    // "python3 app.py {port}": the template as one line, for the panel.
    std::string command_line() const;
};

// argv as one readable line (arguments with spaces or quotes in single quotes, newlines as \n):
// the template for the panel, an instance's real command for its log.
std::string shown_command_line(const std::vector<std::string>& argv);

}  // namespace fulcrum::agent
