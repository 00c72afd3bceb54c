// libFuzzer target for the static path decoder: whatever it accepts must be a plain relative
// path with no way up, no separator tricks and valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proxy/static/path_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace fulcrum::proxy::static_files;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto decoded = decode_request_path(input);
    if (!decoded.ok()) {
        if (!decoded.relative.empty()) std::abort();
        return 0;
    }
    const std::string_view path = decoded.relative;
    if (path.starts_with('/') || path.ends_with('/')) std::abort();
    if (path.find("//") != std::string_view::npos) std::abort();
    if (path.find('\\') != std::string_view::npos) std::abort();
    if (!is_valid_utf8(path)) std::abort();
    for (const char c : path) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
    }
    std::size_t start = 0;
    while (start <= path.size() && !path.empty()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const auto segment = path.substr(start, end - start);
        if (segment == "." || segment == ".." || segment.empty()) std::abort();
        if (segment.front() == '.' && !decoded.has_dotfile) std::abort();
        start = end + 1;
    }
    // A second round of decoding either refuses the path (a literal '%') or leaves it as it
    // is, so nothing downstream can decode its way to another file.
    // '?' and '#' are legal in file names but end a request target, so they go back encoded.
    std::string target = "/";
    for (const char c : path) {
        if (c == '?') target += "%3F";
        else if (c == '#') target += "%23";
        else target += c;
    }
    const auto again = decode_request_path(target);
    if (again.ok() && again.relative != path) std::abort();
    return 0;
}
