#pragma once
// Where the agent keeps its state on a host: $XDG_STATE_HOME/fulcrum (default
// ~/.local/state/fulcrum), private to the user.

#include <filesystem>
#include <optional>
#include <string>

namespace fulcrum::agent {

struct StatePaths {
    std::filesystem::path root;

    std::filesystem::path socket() const { return root / "agent.sock"; }
    std::filesystem::path lock() const { return root / "agent.lock"; }
    std::filesystem::path config_dir() const { return root / "config"; }
    std::filesystem::path current_config() const { return config_dir() / "current.json"; }
    std::filesystem::path history_dir() const { return config_dir() / "history"; }
    std::filesystem::path logs_dir() const { return root / "logs"; }
    std::filesystem::path agent_log() const { return logs_dir() / "agent.log"; }
    // The processes the daemon supervises (pid + start time), so a new daemon can adopt them.
    std::filesystem::path children() const { return root / "children.json"; }

    // From --state-dir if given, else $XDG_STATE_HOME/fulcrum, else $HOME/.local/state/fulcrum.
    static std::optional<StatePaths> resolve(const std::string& explicit_dir, std::string& error);

    // Creates root, config/history and logs with mode 0700; returns an error message or "".
    std::string create() const;
};

}  // namespace fulcrum::agent
