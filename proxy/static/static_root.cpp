#include "proxy/static/static_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace fulcrum::proxy::static_files {

namespace {

constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;

// glibc 2.36 has no wrapper for openat2.
int sys_openat2(int dirfd, const char* path, const open_how& how) {
    return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
}

std::atomic<bool>& openat2_missing() {
    static std::atomic<bool> missing{false};
    return missing;
}

OpenedFile finish(int fd) {
    OpenedFile out;
    if (fd < 0) {
        out.error = errno;
        return out;
    }
    out.fd.reset(fd);
    if (::fstat(fd, &out.info) != 0) {
        out.error = errno;
        out.fd.reset();
    }
    return out;
}

}  // namespace

std::shared_ptr<const StaticRoot> StaticRoot::open(const std::string& directory, std::string& error,
                                                   Resolution resolution) {
    const int fd = ::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        error = "cannot open static root '" + directory + "': " + std::strerror(errno);
        return nullptr;
    }
    return std::make_shared<const StaticRoot>(UniqueFd(fd), directory, resolution);
}

OpenedFile StaticRoot::open_beneath(std::string_view relative) const {
    const std::string path = relative.empty() ? std::string(".") : std::string(relative);
    if (m_resolution == Resolution::kernel_beneath && !openat2_missing().load(std::memory_order_relaxed)) {
        open_how how{};
        how.flags = kOpenFlags;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        int fd;
        do {
            fd = sys_openat2(m_fd.get(), path.c_str(), how);
        } while (fd < 0 && errno == EAGAIN);  // RESOLVE_CACHED is not used; EAGAIN is a rename race
        if (fd >= 0 || errno != ENOSYS) return finish(fd);
        openat2_missing().store(true, std::memory_order_relaxed);
    }
    return open_with_walk(relative);
}

OpenedFile StaticRoot::open_with_walk(std::string_view relative) const {
    if (relative.empty()) return finish(::openat(m_fd.get(), ".", kOpenFlags | O_DIRECTORY));
    UniqueFd current(::openat(m_fd.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!current.valid()) return finish(-1);
    std::size_t start = 0;
    while (true) {
        const auto slash = relative.find('/', start);
        const std::string name(relative.substr(start, slash == std::string_view::npos ? slash : slash - start));
        if (name.empty() || name == "." || name == "..") {
            errno = EXDEV;
            return finish(-1);
        }
        if (slash == std::string_view::npos) {
            return finish(::openat(current.get(), name.c_str(), kOpenFlags | O_NOFOLLOW));
        }
        const int next = ::openat(current.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            // A symlinked directory shows up as ENOTDIR; report it as the refusal it is.
            struct stat link {};
            if (errno == ENOTDIR && ::fstatat(current.get(), name.c_str(), &link, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(link.st_mode)) {
                errno = ELOOP;
            }
            return finish(-1);
        }
        current.reset(next);
        start = slash + 1;
    }
}

}  // namespace fulcrum::proxy::static_files
