#pragma once
// A /proc file that is sampled again and again (host counters every second, a worker's stat):
// opened once and re-read with pread at offset 0, which makes the kernel generate it afresh.
// An idle daemon then pays one syscall per file and sample instead of open, read, read, close,
// and reads into a buffer kept from one sample to the next instead of a new string each time.

#include "agent/util/unique_fd.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fulcrum::agent {

class ProcFile {
public:
    // `max_bytes` bounds the buffer: a file that does not fit reads as nullopt.
    explicit ProcFile(std::string path, std::size_t max_bytes = 1 << 20);

    // The whole file as it is now, or nullopt (missing, gone, unreadable, larger than
    // max_bytes). The view stays valid until the next read or read_head.
    std::optional<std::string_view> read();
    // At most the first `bytes` (≤ max_bytes), for files whose wanted lines come first.
    std::optional<std::string_view> read_head(std::size_t bytes);

    // Opens now (a process's file must be opened while that process is known to be the
    // right one: a descriptor keeps pointing at it, and never at a later process with a
    // recycled pid). False if it cannot be opened.
    bool open();
    void close() { m_fd.reset(); }
    bool is_open() const { return m_fd.valid(); }
    const std::string& path() const { return m_path; }

private:
    std::optional<std::size_t> pread_from_start(std::size_t bytes);

    std::string m_path;
    std::size_t m_max;
    UniqueFd m_fd;
    std::vector<char> m_buffer;
};

}  // namespace fulcrum::agent
