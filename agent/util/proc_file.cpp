#include "agent/util/proc_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace fulcrum::agent {
namespace {
constexpr std::size_t kInitialBytes = 4096;  // every file sampled per second fits on a small host
}  // namespace

ProcFile::ProcFile(std::string path, std::size_t max_bytes) : m_path(std::move(path)), m_max(max_bytes) {}

bool ProcFile::open() {
    if (!m_fd.valid()) m_fd.reset(::open(m_path.c_str(), O_RDONLY | O_CLOEXEC));
    return m_fd.valid();
}

std::optional<std::size_t> ProcFile::pread_from_start(std::size_t bytes) {
    if (!open()) return std::nullopt;
    if (m_buffer.size() < bytes) m_buffer.resize(bytes);
    while (true) {
        const ssize_t n = ::pread(m_fd.get(), m_buffer.data(), bytes, 0);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) return std::nullopt;  // e.g. ESRCH: the process is gone
    }
}

std::optional<std::string_view> ProcFile::read() {
    std::size_t size = std::max(kInitialBytes, std::min(m_buffer.size(), m_max));
    while (true) {
        const auto n = pread_from_start(size);
        if (!n) return std::nullopt;
        // /proc files report size 0, so "the buffer came back full" is the only sign of more.
        if (*n < size) return std::string_view(m_buffer.data(), *n);
        if (size >= m_max) return std::nullopt;
        size = std::min(size * 2, m_max);
    }
}

std::optional<std::string_view> ProcFile::read_head(std::size_t bytes) {
    const auto n = pread_from_start(std::min(bytes, m_max));
    if (!n) return std::nullopt;
    return std::string_view(m_buffer.data(), *n);
}

}  // namespace fulcrum::agent
