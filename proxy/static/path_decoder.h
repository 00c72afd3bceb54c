#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fulcrum::proxy::static_files {

// Why a request path was refused. The responder answers all of them the same way (400 or
// 404), the distinction exists for tests and the access log.
enum class PathRefusal {
    none,
    empty,
    not_absolute,
    too_long,
    too_many_segments,
    bad_percent_encoding,
    encoded_separator,   // %2F, %5C, %2E, %00 — a client never needs to encode these
    double_encoding,     // a '%' that survives one round of decoding followed by hex digits
    control_character,   // NUL, CR, LF and other C0/DEL bytes, encoded or not
    backslash,
    invalid_utf8,        // includes overlong forms, surrogates and code points past U+10FFFF
    dot_segment,         // "." or ".." anywhere, encoded or not
};

const char* to_string(PathRefusal refusal);

struct DecodedPath {
    PathRefusal refusal = PathRefusal::none;
    // Segments joined with '/', no leading '/', no empty segments: ready for openat2 relative
    // to the route's root directory. Empty means the root itself.
    std::string relative;
    bool trailing_slash = false;
    // A segment starts with '.', e.g. ".env" or ".git/config": refused unless the route
    // allows dotfiles.
    bool has_dotfile = false;

    bool ok() const { return refusal == PathRefusal::none; }
};

struct PathLimits {
    std::size_t max_bytes = 4096;
    std::size_t max_segments = 64;
};

// Turns the path of a request target (the part after the route prefix, query already removed
// or not) into a relative file path, refusing everything that could name something outside
// the root or that a well-behaved client never sends. Pure: no file system access.
DecodedPath decode_request_path(std::string_view path, const PathLimits& limits = {});

// Strict UTF-8: shortest form only, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view bytes);

}  // namespace fulcrum::proxy::static_files
