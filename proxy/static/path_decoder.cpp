#include "proxy/static/path_decoder.h"

#include <cstdint>

namespace fulcrum::proxy::static_files {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Checks one decoded segment; the segment is known to hold no '/'.
PathRefusal check_segment(std::string_view segment) {
    if (segment == "." || segment == "..") return PathRefusal::dot_segment;
    return PathRefusal::none;
}

}  // namespace

const char* to_string(PathRefusal refusal) {
    switch (refusal) {
        case PathRefusal::none: return "none";
        case PathRefusal::empty: return "empty path";
        case PathRefusal::not_absolute: return "path does not start with '/'";
        case PathRefusal::too_long: return "path too long";
        case PathRefusal::too_many_segments: return "too many path segments";
        case PathRefusal::bad_percent_encoding: return "malformed percent-encoding";
        case PathRefusal::encoded_separator: return "percent-encoded '/', '\\', '.' or NUL";
        case PathRefusal::double_encoding: return "double percent-encoding";
        case PathRefusal::control_character: return "control character in path";
        case PathRefusal::backslash: return "backslash in path";
        case PathRefusal::invalid_utf8: return "invalid or overlong UTF-8";
        case PathRefusal::dot_segment: return "'.' or '..' segment";
    }
    return "unknown";
}

bool is_valid_utf8(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto lead = static_cast<unsigned char>(bytes[i]);
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t code = 0;
        std::uint32_t minimum = 0;
        if ((lead & 0xe0) == 0xc0) {
            length = 2, code = lead & 0x1f, minimum = 0x80;
        } else if ((lead & 0xf0) == 0xe0) {
            length = 3, code = lead & 0x0f, minimum = 0x800;
        } else if ((lead & 0xf8) == 0xf0) {
            length = 4, code = lead & 0x07, minimum = 0x10000;
        } else {
            return false;  // stray continuation byte or 0xf8..0xff
        }
        if (bytes.size() - i < length) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(bytes[i + k]);
            if ((next & 0xc0) != 0x80) return false;
            code = (code << 6) | (next & 0x3f);
        }
        // Overlong forms are how "%c0%af" turns into '/' on lenient decoders.
        if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
        i += length;
    }
    return true;
}

DecodedPath decode_request_path(std::string_view path, const PathLimits& limits) {
    DecodedPath out;
    auto refuse = [&out](PathRefusal why) {
        out.refusal = why;
        out.relative.clear();
        return out;
    };

    if (const auto query = path.find_first_of("?#"); query != std::string_view::npos) {
        path = path.substr(0, query);
    }
    if (path.empty()) return refuse(PathRefusal::empty);
    if (path.size() > limits.max_bytes) return refuse(PathRefusal::too_long);
    if (path.front() != '/') return refuse(PathRefusal::not_absolute);

    std::string decoded;
    decoded.reserve(path.size());
    for (std::size_t i = 0; i < path.size(); ++i) {
        const char c = path[i];
        if (c == '%') {
            if (i + 2 >= path.size()) return refuse(PathRefusal::bad_percent_encoding);
            const int high = hex_value(path[i + 1]);
            const int low = hex_value(path[i + 2]);
            if (high < 0 || low < 0) return refuse(PathRefusal::bad_percent_encoding);
            const auto byte = static_cast<unsigned char>(high * 16 + low);
            if (byte == '/' || byte == '\\' || byte == '.' || byte == 0) {
                return refuse(PathRefusal::encoded_separator);
            }
            if (is_control(byte)) return refuse(PathRefusal::control_character);
            if (byte == '%' && i + 4 < path.size() && hex_value(path[i + 3]) >= 0 &&
                hex_value(path[i + 4]) >= 0) {
                return refuse(PathRefusal::double_encoding);
            }
            decoded.push_back(static_cast<char>(byte));
            i += 2;
            continue;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (is_control(byte)) return refuse(PathRefusal::control_character);
        if (c == '\\') return refuse(PathRefusal::backslash);
        decoded.push_back(c);
    }

    // A decoded '%' followed by hex digits would decode again somewhere downstream (a
    // framework, a CGI, a second proxy); nothing legitimate looks like that.
    for (std::size_t i = 0; i + 2 < decoded.size(); ++i) {
        if (decoded[i] == '%' && hex_value(decoded[i + 1]) >= 0 && hex_value(decoded[i + 2]) >= 0) {
            return refuse(PathRefusal::double_encoding);
        }
    }
    if (!is_valid_utf8(decoded)) return refuse(PathRefusal::invalid_utf8);

    out.trailing_slash = decoded.size() > 1 && decoded.back() == '/';
    std::size_t segments = 0;
    std::size_t start = 0;
    while (start <= decoded.size()) {
        auto end = decoded.find('/', start);
        if (end == std::string::npos) end = decoded.size();
        const std::string_view segment(decoded.data() + start, end - start);
        start = end + 1;
        if (segment.empty()) continue;  // "//" merges, as nginx's merge_slashes does
        if (const auto why = check_segment(segment); why != PathRefusal::none) return refuse(why);
        if (++segments > limits.max_segments) return refuse(PathRefusal::too_many_segments);
        if (segment.front() == '.') out.has_dotfile = true;
        if (!out.relative.empty()) out.relative.push_back('/');
        out.relative.append(segment);
    }
    return out;
}

}  // namespace fulcrum::proxy::static_files
