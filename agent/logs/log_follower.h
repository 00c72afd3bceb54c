#pragma once
// logs.follow: new lines of log files pushed as they are written. One inotify watch on the
// logs directory wakes the loop when any log file is created or modified; each subscription
// remembers how far it has read in each of its files. No timers, no polling.
//
// A subscription to a whole group follows the group's file names, not a list fixed when it
// was made: an instance added later (scale-up) is followed from its first line.

#include "agent/logs/log_files.h"

#include <asio.hpp>

#include <array>
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

    // Follows the live `files` from their current end. With `whole_group`, every other file of
    // the group's instances is followed too: those existing now from their end, those created
    // later from their start.
    void follow(std::int64_t id, std::string group, const std::vector<LogFile>& files, bool whole_group, Emit emit);
    void cancel(std::int64_t id);
    std::size_t count() const { return m_subscriptions.size(); }

    // Reads whatever is new for every subscription (called on inotify events; public for tests).
    void poll_all();
    // A file named `filename` appeared in the directory (IN_CREATE; public for tests).
    void file_created(const std::string& filename);
    // `path` was just rotated (copied to PATH.1, then truncated): the rest of what was read
    // from it is taken from the copy, and the live file is read from its start.
    void rotated(const std::filesystem::path& path);

private:
    struct Followed {
        LogFile file;
        std::uint64_t offset = 0;
        std::string partial;  // an unfinished last line
    };
    struct Subscription {
        std::string group;
        bool whole_group = false;
        std::vector<Followed> files;
        Emit emit;
    };
    // Calls `visit` for every followed file; safe when a visit cancels subscriptions.
    void each_file(const std::function<void(Subscription&, Followed&)>& visit);
    void read_events();
    void handle_events(std::size_t bytes);
    void read_new(Subscription& subscription, Followed& followed);
    static std::string take_rotated(Followed& followed);
    // Splits into lines and emits them; `followed` keeps an unfinished last line.
    void deliver(Subscription& subscription, Followed& followed, std::string data);
    static bool follows(const Subscription& subscription, const std::filesystem::path& path);

    asio::io_context& m_io;
    std::filesystem::path m_dir;
    std::unique_ptr<asio::posix::stream_descriptor> m_inotify;
    alignas(8) std::array<char, 8192> m_buffer{};
    std::map<std::int64_t, Subscription> m_subscriptions;
};

}  // namespace fulcrum::agent
