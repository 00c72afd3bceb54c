#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "proxy/log/access_line.h"

namespace fulcrum::proxy::logging {

using AccessLogSettings = config::AccessLogConfig;

// The access log: off by default. Loop threads format lines into a buffer of their own (no
// lock, no allocation once the buffers are warm); a full buffer, or any buffer at the loop's
// once-a-second tick, is handed to one writer thread that does the write(2) calls, so a slow
// disk never stalls a request. If the writer falls behind by more than a bounded number of
// buffers, lines are dropped and counted rather than memory growing or a loop blocking.
//
// Files are opened on the control thread (start, config replace, SIGHUP), so an unwritable
// path is a config error with its path, and logrotate's "rename, then HUP" works: the next
// line goes to a freshly opened file.
class AccessLog {
public:
    static constexpr std::size_t kBufferBytes = 64 * 1024;  // a hand-off happens past this
    static constexpr std::size_t kMaxQueued = 64;           // buffers waiting for the writer

    explicit AccessLog(std::size_t threads);
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    // An opened file, not yet in use: opening can fail (and then nothing changes), using it
    // cannot, so a config swap can open first and commit only once everything else worked.
    struct Prepared {
        std::optional<AccessLogSettings> settings;
        std::shared_ptr<int> fd;  // closes when the writer is done with it
    };
    // Opens `settings->path` (a regular file, created 0640 if missing); nullopt settings
    // prepares "off". False with `error` saying why.
    static bool prepare(const std::optional<AccessLogSettings>& settings, Prepared& out, std::string& error);
    void commit(Prepared prepared);

    bool enabled() const { return m_enabled.load(std::memory_order_relaxed); }

    // Loop thread `thread` only.
    void append(std::size_t thread, const AccessRecord& record);
    void tick(std::size_t thread);  // hands over whatever the thread has buffered

    // Every thread's buffer to the writer, then waits until it is on disk. Only when no loop
    // thread runs (stop), or from tests between requests.
    void flush_all_stopped();

    std::uint64_t lines_dropped() const { return m_dropped.load(std::memory_order_relaxed); }
    std::string last_error() const;

private:
    struct alignas(64) ThreadBuffer {
        std::string data;
        LineClock clock;
    };
    void hand_off(ThreadBuffer& buffer);
    void writer_loop();

    std::vector<ThreadBuffer> m_buffers;
    std::atomic<bool> m_enabled{false};
    std::atomic<AccessLogFormat> m_format{AccessLogFormat::combined};
    std::atomic<std::uint64_t> m_dropped{0};

    mutable std::mutex m_mutex;  // below; taken once per hand-off, never per line
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    std::deque<std::string> m_queue;
    std::vector<std::string> m_spare;
    std::shared_ptr<int> m_fd;
    bool m_writing = false;
    bool m_stop = false;
    std::string m_last_error;
    std::thread m_writer;
};

}  // namespace fulcrum::proxy::logging
