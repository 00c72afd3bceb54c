#pragma once
// Small file helpers for state that must survive crashes.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace fulcrum::agent {

// Writes `contents` to `path` so that after a crash at any instant the file holds either the
// old or the new contents, never a mix: temp file in the same directory, fsync, rename, fsync
// of the directory. Returns an error message, empty on success.
std::string write_file_atomically(const std::filesystem::path& path, std::string_view contents, int mode = 0600);

// Reads a whole file of at most max_bytes; nullopt if missing, unreadable or larger.
std::optional<std::string> read_small_file(const std::filesystem::path& path, std::size_t max_bytes = 1 << 20);

// Creates a directory (and parents) with the given mode for the last component; error or "".
std::string make_private_dir(const std::filesystem::path& path, int mode = 0700);

std::string errno_text(int error);

}  // namespace fulcrum::agent
