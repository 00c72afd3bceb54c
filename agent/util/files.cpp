#include "agent/util/files.h"

#include "agent/util/unique_fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace fulcrum::agent {

std::string errno_text(int error) { return std::strerror(error); }

std::string write_file_atomically(const std::filesystem::path& path, std::string_view contents, int mode) {
    const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    std::random_device random;
    // Appended piece by piece: g++ 12 at -O3 reports a false -Wrestrict on `"." + std::string`
    // (GCC bug 105329), which would fail a release build under -Werror.
    std::string temp_name = ".";
    temp_name += path.filename().string();
    temp_name += ".tmp";
    temp_name += std::to_string(random());
    const auto temp = dir / temp_name;
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd.valid()) return "cannot create " + temp.string() + ": " + errno_text(errno);
    std::string_view rest = contents;
    while (!rest.empty()) {
        const ssize_t n = ::write(fd.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string error = "cannot write " + temp.string() + ": " + errno_text(errno);
            ::unlink(temp.c_str());
            return error;
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fsync(fd.get()) != 0) {
        const std::string error = "cannot fsync " + temp.string() + ": " + errno_text(errno);
        ::unlink(temp.c_str());
        return error;
    }
    fd.reset();
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const std::string error = "cannot rename to " + path.string() + ": " + errno_text(errno);
        ::unlink(temp.c_str());
        return error;
    }
    // The rename itself is only durable once the directory entry is on disk.
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.valid()) ::fsync(dir_fd.get());
    return {};
}

std::optional<std::string> read_small_file(const std::filesystem::path& path, std::size_t max_bytes) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return std::nullopt;
    std::string out;
    char buffer[16384];
    while (true) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        if (out.size() + static_cast<std::size_t>(n) > max_bytes) return std::nullopt;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
}

std::string make_private_dir(const std::filesystem::path& path, int mode) {
    std::error_code error;
    std::filesystem::create_directories(path.parent_path(), error);
    if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST)
        return "cannot create " + path.string() + ": " + errno_text(errno);
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return path.string() + " is not a directory";
    return {};
}

}  // namespace fulcrum::agent
