#include "agent/logs/log_follower.h"

#include "agent/daemon/clock.h"
#include "agent/util/files.h"
#include "agent/util/unique_fd.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace fulcrum::agent {

namespace {
// At most this much is read per file per wake-up; a flood is caught up on the next event
// instead of stalling the loop.
constexpr std::size_t kMaxReadPerWake = 1024 * 1024;
constexpr std::size_t kMaxPartialLine = 64 * 1024;

std::uint64_t current_size(const std::filesystem::path& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
}

// Bytes [from, from + max) of a file; shorter at its end, empty when it cannot be read.
std::string read_range(const std::filesystem::path& path, std::uint64_t from, std::uint64_t size) {
    if (size <= from) return {};
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return {};
    std::string data(static_cast<std::size_t>(std::min<std::uint64_t>(size - from, kMaxReadPerWake)), '\0');
    const ssize_t n = ::pread(fd.get(), data.data(), data.size(), static_cast<off_t>(from));
    data.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return data;
}
}  // namespace

LogFollower::LogFollower(asio::io_context& io, std::filesystem::path dir) : m_io(io), m_dir(std::move(dir)) {}

LogFollower::~LogFollower() = default;

std::string LogFollower::start() {
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return "inotify: " + errno_text(errno);
    if (::inotify_add_watch(fd, m_dir.c_str(), IN_MODIFY | IN_CREATE) < 0) {
        const std::string error = "inotify watch on " + m_dir.string() + ": " + errno_text(errno);
        ::close(fd);
        return error;
    }
    m_inotify = std::make_unique<asio::posix::stream_descriptor>(m_io, fd);
    read_events();
    return {};
}

void LogFollower::read_events() {
    m_inotify->async_read_some(asio::buffer(m_buffer), [this](const asio::error_code& error, std::size_t bytes) {
        if (error == asio::error::operation_aborted) return;
        if (!error) handle_events(bytes);
        if (!error || error == asio::error::would_block || error == asio::error::try_again) read_events();
    });
}

void LogFollower::handle_events(std::size_t bytes) {
    if (m_subscriptions.empty()) return;
    // Created files may belong to a group someone follows; modified ones need no name: every
    // subscription checks its own files, which is a stat per file, and only while someone follows.
    std::size_t at = 0;
    while (at + sizeof(inotify_event) <= bytes) {
        inotify_event event{};
        std::memcpy(&event, m_buffer.data() + at, sizeof event);
        const std::size_t name_at = at + sizeof event;
        if (name_at + event.len > bytes) break;
        if ((event.mask & IN_CREATE) && event.len > 0)
            file_created(std::string(m_buffer.data() + name_at, ::strnlen(m_buffer.data() + name_at, event.len)));
        if (event.mask & IN_Q_OVERFLOW) {
            // Creations may have been missed: look at the directory itself.
            std::error_code ignored;
            for (const auto& entry : std::filesystem::directory_iterator(m_dir, ignored))
                file_created(entry.path().filename().string());
        }
        at = name_at + event.len;
    }
    poll_all();
}

bool LogFollower::follows(const Subscription& subscription, const std::filesystem::path& path) {
    return std::any_of(subscription.files.begin(), subscription.files.end(),
                       [&](const Followed& f) { return f.file.path == path; });
}

void LogFollower::file_created(const std::string& filename) {
    for (auto& [id, subscription] : m_subscriptions) {
        if (!subscription.whole_group) continue;
        auto file = LogFiles::instance_file(m_dir, subscription.group, filename);
        // New since the subscription was made: everything in it is new.
        if (file && !follows(subscription, file->path)) subscription.files.push_back({std::move(*file), 0, {}});
    }
}

void LogFollower::follow(std::int64_t id, std::string group, const std::vector<LogFile>& files, bool whole_group,
                         Emit emit) {
    Subscription subscription{std::move(group), whole_group, {}, std::move(emit)};
    for (const auto& file : files) subscription.files.push_back({file, current_size(file.path), {}});
    if (whole_group) {
        // Files of instances that do not run now (scaled down, or not yet restarted) may be
        // written again later: followed from their current end like the others.
        std::error_code ignored;
        for (const auto& entry : std::filesystem::directory_iterator(m_dir, ignored)) {
            auto file = LogFiles::instance_file(m_dir, subscription.group, entry.path().filename().string());
            if (file && !follows(subscription, file->path))
                subscription.files.push_back({*file, current_size(file->path), {}});
        }
    }
    m_subscriptions[id] = std::move(subscription);
}

void LogFollower::cancel(std::int64_t id) { m_subscriptions.erase(id); }

void LogFollower::each_file(const std::function<void(Subscription&, Followed&)>& visit) {
    // Emitting may cancel subscriptions (a closed session): look each one up again by id.
    std::vector<std::int64_t> ids;
    for (const auto& [id, subscription] : m_subscriptions) ids.push_back(id);
    for (auto id : ids) {
        for (std::size_t i = 0;; ++i) {
            auto it = m_subscriptions.find(id);
            if (it == m_subscriptions.end() || i >= it->second.files.size()) break;
            visit(it->second, it->second.files[i]);
        }
    }
}

void LogFollower::poll_all() {
    each_file([this](Subscription& subscription, Followed& followed) { read_new(subscription, followed); });
}

std::string LogFollower::take_rotated(Followed& followed) {
    // What was written after our last read is at the end of the copy; the live file starts over.
    const std::filesystem::path rotated = followed.file.path.string() + ".1";
    std::string data = read_range(rotated, followed.offset, current_size(rotated));
    followed.offset = 0;
    return data;
}

void LogFollower::rotated(const std::filesystem::path& path) {
    each_file([this, &path](Subscription& subscription, Followed& followed) {
        if (followed.file.path == path) deliver(subscription, followed, take_rotated(followed));
    });
}

void LogFollower::read_new(Subscription& subscription, Followed& followed) {
    const auto& path = followed.file.path;
    std::string data;
    std::uint64_t size = current_size(path);
    if (size < followed.offset) {
        // Rotated by someone who did not tell us (rotated() is the exact way).
        data = take_rotated(followed);
        size = data.size() < kMaxReadPerWake ? current_size(path) : 0;
    }
    std::string fresh = read_range(path, followed.offset, std::min<std::uint64_t>(size, followed.offset + kMaxReadPerWake - data.size()));
    followed.offset += fresh.size();
    data += fresh;
    deliver(subscription, followed, std::move(data));
}

void LogFollower::deliver(Subscription& subscription, Followed& followed, std::string data) {
    if (data.empty()) return;
    std::string text = std::move(followed.partial) + data;
    followed.partial.clear();
    std::size_t start = 0;
    const auto now = now_ms();
    const auto& file = followed.file;
    std::vector<protocol::LogLine> lines;
    auto add = [&](std::string line_text) {
        auto line = LogFiles::to_log_line(std::move(line_text), subscription.group, file.index, file.stream, now);
        // The copy of each agent event in a stderr file is only a time mark for logs.tail.
        if (file.stream == kStderr && line.stream == "agent") return;
        lines.push_back(std::move(line));
    };
    while (true) {
        const auto nl = text.find('\n', start);
        if (nl == std::string::npos) break;
        add(text.substr(start, nl - start));
        start = nl + 1;
    }
    followed.partial = text.substr(start);
    if (followed.partial.size() > kMaxPartialLine) {  // a "line" without end: pass it on in pieces
        add(std::move(followed.partial));
        followed.partial.clear();
    }
    // Emitting may cancel this very subscription (its session closed): nothing of it is
    // touched after the first emit.
    auto emit = subscription.emit;
    for (const auto& line : lines) emit(line);
}

}  // namespace fulcrum::agent
