#include "agent/daemon/state_paths.h"

#include "agent/util/files.h"

#include <sys/un.h>

#include <cstdlib>

namespace fulcrum::agent {

std::optional<StatePaths> StatePaths::resolve(const std::string& explicit_dir, std::string& error) {
    StatePaths paths;
    if (!explicit_dir.empty()) {
        paths.root = std::filesystem::absolute(explicit_dir);
    } else if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && xdg[0] == '/') {
        paths.root = std::filesystem::path(xdg) / "fulcrum";
    } else if (const char* home = std::getenv("HOME"); home && home[0] == '/') {
        paths.root = std::filesystem::path(home) / ".local" / "state" / "fulcrum";
    } else {
        error = "cannot find the state directory: neither XDG_STATE_HOME nor HOME is set to an absolute path";
        return std::nullopt;
    }
    // A Unix socket path must fit sockaddr_un; say so instead of failing later with EINVAL.
    if (paths.socket().native().size() >= sizeof(sockaddr_un{}.sun_path)) {
        error = "state directory path too long for a Unix socket (" + paths.socket().string() +
                "); set XDG_STATE_HOME to a shorter path";
        return std::nullopt;
    }
    return paths;
}

std::string StatePaths::create() const {
    for (const auto& dir : {root, config_dir(), history_dir(), logs_dir()}) {
        if (auto error = make_private_dir(dir); !error.empty()) return error;
    }
    return {};
}

}  // namespace fulcrum::agent
