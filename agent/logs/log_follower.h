#pragma once
// logs.follow: new lines of log files pushed as they are written. One inotify watch on the
// logs directory wakes the loop when any log file is modified; each subscription remembers
// how far it has read in each of its files. No timers, no polling.

#include "agent/protocol/logs.h"

#include <asio.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::agent {

class LogFollower {
public:
    using Emit = std::function<void(const protocol::LogLine&)>;

    LogFollower(asio::io_context& io, std::filesystem::path dir);
    ~LogFollower();

    // Starts watching; returns an error message or "".
    std::string start();

    // Follows `files` (path → instance index) from their current end. Returns the id.
    std::int64_t follow(std::int64_t id, std::string group, std::vector<std::pair<std::filesystem::path, std::optional<int>>> files,
                        Emit emit);
    void cancel(std::int64_t id);
    std::size_t count() const { return m_subscriptions.size(); }

    // Reads whatever is new for every subscription (called on inotify events; public for tests).
    void poll_all();

private:
    struct Followed {
        std::filesystem::path path;
        std::optional<int> index;
        std::uint64_t offset = 0;
        std::string partial;  // an unfinished last line
    };
    struct Subscription {
        std::string group;
        std::vector<Followed> files;
        Emit emit;
    };
    void read_events();
    void read_new(Subscription& subscription, Followed& file);

    asio::io_context& m_io;
    std::filesystem::path m_dir;
    std::unique_ptr<asio::posix::stream_descriptor> m_inotify;
    std::array<char, 4096> m_buffer{};
    std::map<std::int64_t, Subscription> m_subscriptions;
};

}  // namespace fulcrum::agent
