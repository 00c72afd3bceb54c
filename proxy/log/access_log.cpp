#include "proxy/log/access_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace fulcrum::proxy::logging {

namespace {

std::int64_t wall_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::shared_ptr<int> own_fd(int fd) {
    return std::shared_ptr<int>(new int(fd), [](int* p) {
        ::close(*p);
        delete p;
    });
}

}  // namespace

AccessLog::AccessLog(std::size_t threads) : m_buffers(threads == 0 ? 1 : threads) {
    for (auto& buffer : m_buffers) buffer.data.reserve(kBufferBytes + 4096);
    m_writer = std::thread([this] { writer_loop(); });
}

AccessLog::~AccessLog() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_writer.join();
}

bool AccessLog::prepare(const std::optional<AccessLogSettings>& settings, Prepared& out, std::string& error) {
    out = {};
    out.settings = settings;
    if (!settings) return true;
    // O_NONBLOCK: opening a FIFO someone put at the path must not hang the control thread;
    // it is refused below anyway.
    const int fd = ::open(settings->path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0640);
    if (fd < 0) {
        error = "cannot open access log '" + settings->path + "': " + std::strerror(errno);
        return false;
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        error = "access log '" + settings->path + "' is not a regular file";
        return false;
    }
    ::fcntl(fd, F_SETFL, O_WRONLY | O_APPEND);  // regular files ignore O_NONBLOCK; say what we mean
    out.fd = own_fd(fd);
    return true;
}

void AccessLog::commit(Prepared prepared) {
    {
        std::lock_guard lock(m_mutex);
        // Lines already buffered go to the new file: after logrotate's rename that is
        // what the admin expects, and after "off" they are the last ones written nowhere.
        m_fd = prepared.fd;
        m_last_error.clear();
    }
    if (prepared.settings) m_format.store(prepared.settings->format, std::memory_order_relaxed);
    m_enabled.store(prepared.settings.has_value(), std::memory_order_relaxed);
}

void AccessLog::append(std::size_t thread, const AccessRecord& record) {
    auto& buffer = m_buffers[thread % m_buffers.size()];
    buffer.clock.update(wall_ns());
    format_access_line(m_format.load(std::memory_order_relaxed), record, buffer.clock, buffer.data);
    if (buffer.data.size() >= kBufferBytes) hand_off(buffer);
}

void AccessLog::tick(std::size_t thread) {
    auto& buffer = m_buffers[thread % m_buffers.size()];
    if (!buffer.data.empty()) hand_off(buffer);
}

void AccessLog::hand_off(ThreadBuffer& buffer) {
    std::unique_lock lock(m_mutex);
    if (m_queue.size() >= kMaxQueued || !m_fd) {
        // The disk is stuck (or logging was turned off meanwhile): drop, count, carry on.
        const auto lines = static_cast<std::uint64_t>(std::count(buffer.data.begin(), buffer.data.end(), '\n'));
        if (m_fd) m_dropped.fetch_add(lines, std::memory_order_relaxed);
        buffer.data.clear();
        return;
    }
    m_queue.push_back(std::move(buffer.data));
    if (!m_spare.empty()) {
        buffer.data = std::move(m_spare.back());
        m_spare.pop_back();
    } else {
        lock.unlock();  // only until the spares are warm: one allocation per buffer ever
        buffer.data = std::string();
        buffer.data.reserve(kBufferBytes + 4096);
        lock.lock();
    }
    lock.unlock();
    m_wake.notify_one();
}

void AccessLog::writer_loop() {
    std::unique_lock lock(m_mutex);
    while (true) {
        m_wake.wait(lock, [&] { return m_stop || !m_queue.empty(); });
        if (m_queue.empty() && m_stop) break;
        auto batch = std::move(m_queue);
        m_queue.clear();
        const auto fd = m_fd;
        m_writing = true;
        lock.unlock();
        std::string error;
        for (auto& data : batch) {
            std::size_t done = 0;
            while (fd && done < data.size()) {
                const auto n = ::write(*fd, data.data() + done, data.size() - done);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) {
                    error = std::string("write failed: ") + std::strerror(errno);
                    m_dropped.fetch_add(static_cast<std::uint64_t>(std::count(data.begin() + static_cast<std::ptrdiff_t>(done), data.end(), '\n')),
                                        std::memory_order_relaxed);
                    break;
                }
                done += static_cast<std::size_t>(n);
            }
            data.clear();
        }
        lock.lock();
        m_writing = false;
        if (!error.empty()) m_last_error = error;
        for (auto& data : batch) {
            if (m_spare.size() < m_buffers.size() * 2 + 2) m_spare.push_back(std::move(data));
        }
        m_idle.notify_all();
    }
}

void AccessLog::flush_all_stopped() {
    for (auto& buffer : m_buffers) {
        if (!buffer.data.empty()) hand_off(buffer);
    }
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [&] { return m_queue.empty() && !m_writing; });
}

std::string AccessLog::last_error() const {
    std::lock_guard lock(m_mutex);
    return m_last_error;
}

}  // namespace fulcrum::proxy::logging
