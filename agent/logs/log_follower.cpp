#include "agent/logs/log_follower.h"

#include "agent/daemon/clock.h"
#include "agent/logs/log_files.h"
#include "agent/util/files.h"
#include "agent/util/unique_fd.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

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
    m_inotify->async_read_some(asio::buffer(m_buffer), [this](const asio::error_code& error, std::size_t) {
        if (error == asio::error::operation_aborted) return;
        // The event names do not matter: every subscription checks its own files, which is a
        // stat per file, and only while someone follows.
        if (!m_subscriptions.empty()) poll_all();
        if (!error || error == asio::error::would_block || error == asio::error::try_again) read_events();
    });
}

std::int64_t LogFollower::follow(std::int64_t id, std::string group,
                                 std::vector<std::pair<std::filesystem::path, std::optional<int>>> files, Emit emit) {
    Subscription subscription{std::move(group), {}, std::move(emit)};
    for (auto& [path, index] : files) subscription.files.push_back({path, index, current_size(path), {}});
    m_subscriptions[id] = std::move(subscription);
    return id;
}

void LogFollower::cancel(std::int64_t id) { m_subscriptions.erase(id); }

void LogFollower::poll_all() {
    // Emitting may cancel subscriptions (a closed session): iterate over the ids.
    std::vector<std::int64_t> ids;
    for (const auto& [id, subscription] : m_subscriptions) ids.push_back(id);
    for (auto id : ids) {
        auto it = m_subscriptions.find(id);
        if (it == m_subscriptions.end()) continue;
        for (std::size_t i = 0; i < it->second.files.size(); ++i) {
            read_new(it->second, it->second.files[i]);
            if (!m_subscriptions.contains(id)) break;
        }
    }
}

void LogFollower::read_new(Subscription& subscription, Followed& file) {
    const std::uint64_t size = current_size(file.path);
    if (size < file.offset) {  // rotated (copy + truncate): start over at the top
        file.offset = 0;
        file.partial.clear();
    }
    if (size == file.offset) return;
    UniqueFd fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return;
    std::string data(static_cast<std::size_t>(std::min<std::uint64_t>(size - file.offset, kMaxReadPerWake)), '\0');
    const ssize_t n = ::pread(fd.get(), data.data(), data.size(), static_cast<off_t>(file.offset));
    if (n <= 0) return;
    data.resize(static_cast<std::size_t>(n));
    file.offset += static_cast<std::uint64_t>(n);
    std::string text = std::move(file.partial) + data;
    file.partial.clear();
    std::size_t start = 0;
    const auto now = now_ms();
    std::vector<protocol::LogLine> lines;
    while (true) {
        const auto nl = text.find('\n', start);
        if (nl == std::string::npos) break;
        lines.push_back(LogFiles::to_log_line(text.substr(start, nl - start), subscription.group, file.index, now));
        start = nl + 1;
    }
    file.partial = text.substr(start);
    if (file.partial.size() > kMaxPartialLine) {  // a "line" without end: pass it on in pieces
        lines.push_back(LogFiles::to_log_line(std::move(file.partial), subscription.group, file.index, now));
        file.partial.clear();
    }
    // Emitting may cancel this very subscription (its session closed): nothing of it is
    // touched after the first emit.
    auto emit = subscription.emit;
    for (const auto& line : lines) emit(line);
}

}  // namespace fulcrum::agent
