#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>
#include <string_view>

#include "proxy/static/unique_fd.h"

namespace fulcrum::proxy::static_files {

struct OpenedFile {
    UniqueFd fd;
    struct stat info {};
    // 0 when fd is valid, otherwise the errno that explains why nothing was opened.
    // EXDEV and ELOOP mean the path tried to leave the root (or crossed a symlink that does).
    int error = 0;
};

// A directory that a static route serves. Every open is resolved by the kernel beneath the
// directory's descriptor (openat2 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so no path and no
// symlink can reach outside it, whatever the decoder let through. Kernels without openat2 get
// a component-by-component walk that refuses every symlink.
class StaticRoot {
public:
    enum class Resolution {
        kernel_beneath,  // openat2, falling back to the walk where the kernel lacks it
        walk_without_symlinks,
    };

    // Opens the root directory; on failure returns nullptr and explains in `error`.
    static std::shared_ptr<const StaticRoot> open(const std::string& directory, std::string& error,
                                                  Resolution resolution = Resolution::kernel_beneath);

    // Opens `relative` (as produced by decode_request_path: no leading '/', no dot segments)
    // read-only and non-blocking (a FIFO must never stall a loop thread) and fstat()s the
    // descriptor. Empty means the root directory itself.
    OpenedFile open_beneath(std::string_view relative) const;

    const std::string& directory() const { return m_directory; }

    StaticRoot(UniqueFd directory_fd, std::string directory, Resolution resolution)
        : m_fd(std::move(directory_fd)), m_directory(std::move(directory)), m_resolution(resolution) {}

private:
    OpenedFile open_with_walk(std::string_view relative) const;

    UniqueFd m_fd;
    std::string m_directory;
    Resolution m_resolution;
};

}  // namespace fulcrum::proxy::static_files
