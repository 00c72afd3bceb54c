#include "proxy/static/static_responder.h"

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "proxy/static/http_date.h"
#include "proxy/static/mime_types.h"

namespace fulcrum::proxy::static_files {

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

const char* reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 206: return "Partial Content";
        case 301: return "Moved Permanently";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 416: return "Range Not Satisfiable";
        case 500: return "Internal Server Error";
        default: return "Unknown";
    }
}

StaticResponse error_response(int status, StaticOutcome outcome, bool send_body) {
    StaticResponse out;
    out.status = status;
    out.outcome = outcome;
    out.send_body = send_body;
    out.body = std::to_string(status) + " " + reason_phrase(status) + "\n";
    out.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    out.headers.emplace_back("Content-Length", std::to_string(out.body.size()));
    return out;
}

// Re-encodes a decoded relative path for a Location header: everything but unreserved
// characters and '/' is percent-encoded, so the header cannot be split or point elsewhere.
std::string encode_path(std::string_view path) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : path) {
        const auto byte = static_cast<unsigned char>(c);
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
        if (plain) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 15]);
        }
    }
    return out;
}

bool parse_u64(std::string_view text, std::uint64_t& value) {
    if (text.empty() || text.size() > 19) return false;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
    }
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    return result.ec == std::errc{};
}

// Strong comparison for If-Range: weak validators never match.
bool if_range_matches(std::string_view if_range, std::string_view etag, std::time_t mtime) {
    if_range = trim(if_range);
    if (if_range.starts_with("\"")) return if_range == etag;
    if (if_range.starts_with("W/")) return false;
    const auto date = parse_http_date(if_range);
    return date && *date == mtime;
}

}  // namespace

const char* to_string(StaticOutcome outcome) {
    switch (outcome) {
        case StaticOutcome::served: return "served";
        case StaticOutcome::not_modified: return "not_modified";
        case StaticOutcome::partial: return "partial";
        case StaticOutcome::range_not_satisfiable: return "range_not_satisfiable";
        case StaticOutcome::redirect_to_directory: return "redirect_to_directory";
        case StaticOutcome::bad_path: return "bad_path";
        case StaticOutcome::dotfile_refused: return "dotfile_refused";
        case StaticOutcome::not_found: return "not_found";
        case StaticOutcome::escape_refused: return "escape_refused";
        case StaticOutcome::not_regular: return "not_regular";
        case StaticOutcome::method_not_allowed: return "method_not_allowed";
        case StaticOutcome::open_failed: return "open_failed";
    }
    return "unknown";
}

std::string_view StaticResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return {};
}

void StaticResponse::append_head(std::string& out, std::string_view extra_headers) const {
    out.append("HTTP/1.1 ");
    out.append(std::to_string(status));
    out.push_back(' ');
    out.append(reason_phrase(status));
    out.append("\r\n");
    for (const auto& [key, value] : headers) {
        out.append(key);
        out.append(": ");
        out.append(value);
        out.append("\r\n");
    }
    out.append(extra_headers);
    out.append("\r\n");
}

std::string make_etag(const struct stat& info, std::string_view variant) {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "\"%llx-%llx%s%.*s\"", static_cast<unsigned long long>(info.st_mtime),
                  static_cast<unsigned long long>(info.st_size), variant.empty() ? "" : "-",
                  static_cast<int>(variant.size()), variant.data());
    return buffer;
}

bool etag_list_matches(std::string_view if_none_match, std::string_view etag) {
    // Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored on both sides.
    if (etag.starts_with("W/")) etag.remove_prefix(2);
    while (!if_none_match.empty()) {
        const auto comma = if_none_match.find(',');
        auto item = trim(if_none_match.substr(0, comma));
        if_none_match = comma == std::string_view::npos ? std::string_view{} : if_none_match.substr(comma + 1);
        if (item == "*") return true;
        if (item.starts_with("W/")) item.remove_prefix(2);
        if (item == etag) return true;
    }
    return false;
}

ByteRange parse_single_range(std::string_view header, std::uint64_t size) {
    ByteRange out;
    header = trim(header);
    if (header.size() < 6 || !iequals(header.substr(0, 6), "bytes=")) return out;
    const auto spec = trim(header.substr(6));
    if (spec.find(',') != std::string_view::npos) return out;  // several ranges: send it all
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos) return out;
    const auto first_text = trim(spec.substr(0, dash));
    const auto last_text = trim(spec.substr(dash + 1));
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    if (first_text.empty()) {  // suffix: the last N bytes
        if (!parse_u64(last_text, last)) return out;
        if (last == 0 || size == 0) {
            out.kind = ByteRange::Kind::unsatisfiable;
            return out;
        }
        const std::uint64_t length = last < size ? last : size;
        out = {ByteRange::Kind::satisfiable, size - length, length};
        return out;
    }
    if (!parse_u64(first_text, first)) return out;
    if (last_text.empty()) {
        last = size == 0 ? 0 : size - 1;
    } else {
        if (!parse_u64(last_text, last) || last < first) return out;
        if (size > 0 && last >= size) last = size - 1;
    }
    if (first >= size) {
        out.kind = ByteRange::Kind::unsatisfiable;
        return out;
    }
    out = {ByteRange::Kind::satisfiable, first, last - first + 1};
    return out;
}

bool accepts_encoding(std::string_view accept_encoding, std::string_view coding) {
    bool wildcard = false;
    while (!accept_encoding.empty()) {
        const auto comma = accept_encoding.find(',');
        auto item = trim(accept_encoding.substr(0, comma));
        accept_encoding = comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
        auto name = item;
        bool allowed = true;
        if (const auto semicolon = item.find(';'); semicolon != std::string_view::npos) {
            name = trim(item.substr(0, semicolon));
            auto parameter = trim(item.substr(semicolon + 1));
            if (parameter.size() >= 2 && lower(parameter[0]) == 'q' && parameter[1] == '=') {
                const auto q = trim(parameter.substr(2));
                // q=0, q=0.0, q=0.000 all mean "not acceptable"
                allowed = !(q.starts_with("0") && q.find_first_not_of("0.") == std::string_view::npos);
            }
        }
        if (iequals(name, coding)) return allowed;
        if (name == "*") wildcard = allowed;
    }
    return wildcard;
}

StaticResponder::StaticResponder(std::shared_ptr<const StaticRoot> root, StaticRouteOptions options)
    : m_root(std::move(root)), m_options(std::move(options)) {}

StaticResponse StaticResponder::respond(const StaticRequest& request) const {
    const bool is_head = request.method == "HEAD";
    if (!is_head && request.method != "GET") {
        auto out = error_response(405, StaticOutcome::method_not_allowed, true);
        out.headers.emplace_back("Allow", "GET, HEAD");
        return out;
    }
    const auto decoded = decode_request_path(request.path);
    if (!decoded.ok()) {
        auto out = error_response(400, StaticOutcome::bad_path, !is_head);
        out.refusal = decoded.refusal;
        return out;
    }
    if (decoded.has_dotfile && !m_options.allow_dotfiles) {
        return error_response(404, StaticOutcome::dotfile_refused, !is_head);
    }

    auto opened = m_root->open_beneath(decoded.relative);
    if (!opened.fd.valid()) {
        switch (opened.error) {
            case ENOENT:
            case ENOTDIR:
            case ENAMETOOLONG: return error_response(404, StaticOutcome::not_found, !is_head);
            case EXDEV:
            case ELOOP: return error_response(404, StaticOutcome::escape_refused, !is_head);
            case EACCES:
            case EPERM: return error_response(403, StaticOutcome::not_found, !is_head);
            default: return error_response(500, StaticOutcome::open_failed, !is_head);
        }
    }
    std::string name = decoded.relative;
    if (S_ISDIR(opened.info.st_mode)) {
        if (!decoded.trailing_slash && !decoded.relative.empty()) {
            auto out = error_response(301, StaticOutcome::redirect_to_directory, !is_head);
            std::string location(request.route_prefix);
            if (location.empty() || location.back() != '/') location.push_back('/');
            location += encode_path(decoded.relative);
            location.push_back('/');
            out.headers.emplace_back("Location", std::move(location));
            return out;
        }
        if (m_options.index.empty()) return error_response(404, StaticOutcome::not_regular, !is_head);
        name = decoded.relative.empty() ? m_options.index : decoded.relative + "/" + m_options.index;
        opened = m_root->open_beneath(name);
        if (!opened.fd.valid()) {
            return error_response(404, opened.error == EXDEV || opened.error == ELOOP ? StaticOutcome::escape_refused
                                                                                       : StaticOutcome::not_regular,
                                  !is_head);
        }
    }
    if (!S_ISREG(opened.info.st_mode)) return error_response(404, StaticOutcome::not_regular, !is_head);
    return serve_file(request, std::move(opened), name);
}

StaticResponse StaticResponder::serve_file(const StaticRequest& request, OpenedFile file,
                                           const std::string& name) const {
    const bool is_head = request.method == "HEAD";
    StaticResponse out;
    out.send_body = !is_head;

    // A precompressed sibling is its own representation with its own validator. Range
    // requests always get the identity representation, so byte offsets mean what the
    // client thinks they mean.
    std::string_view content_encoding;
    std::string_view variant;
    if (m_options.precompressed && !request.has_range && !request.accept_encoding.empty()) {
        for (const auto coding : {std::string_view("br"), std::string_view("gzip")}) {
            if (!accepts_encoding(request.accept_encoding, coding)) continue;
            const std::string sibling = name + (coding == "br" ? ".br" : ".gz");
            auto candidate = m_root->open_beneath(sibling);
            if (candidate.fd.valid() && S_ISREG(candidate.info.st_mode)) {
                file = std::move(candidate);
                content_encoding = coding;
                variant = coding == "br" ? "br" : "gz";
                break;
            }
        }
    }

    const auto size = static_cast<std::uint64_t>(file.info.st_size);
    const std::string etag = make_etag(file.info, variant);
    const std::string last_modified = format_http_date(file.info.st_mtime);

    auto add_validators = [&] {
        out.headers.emplace_back("ETag", etag);
        out.headers.emplace_back("Last-Modified", last_modified);
        if (!m_options.cache_control.empty()) out.headers.emplace_back("Cache-Control", m_options.cache_control);
        if (m_options.precompressed) out.headers.emplace_back("Vary", "Accept-Encoding");
    };

    // RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since.
    bool not_modified = false;
    if (!request.if_none_match.empty()) {
        not_modified = etag_list_matches(request.if_none_match, etag);
    } else if (!request.if_modified_since.empty()) {
        const auto since = parse_http_date(trim(request.if_modified_since));
        not_modified = since && file.info.st_mtime <= *since;
    }
    if (not_modified) {
        out.status = 304;
        out.outcome = StaticOutcome::not_modified;
        out.send_body = false;
        add_validators();
        return out;
    }

    ByteRange range;
    if (request.has_range && (request.if_range.empty() || if_range_matches(request.if_range, etag,
                                                                            file.info.st_mtime))) {
        range = parse_single_range(request.range, size);
    }
    if (range.kind == ByteRange::Kind::unsatisfiable) {
        out = error_response(416, StaticOutcome::range_not_satisfiable, !is_head);
        out.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
        return out;
    }

    out.headers.emplace_back("Content-Type", std::string(mime_type_for(name)));
    if (!content_encoding.empty()) out.headers.emplace_back("Content-Encoding", std::string(content_encoding));
    out.headers.emplace_back("Accept-Ranges", "bytes");
    add_validators();
    if (range.kind == ByteRange::Kind::satisfiable) {
        out.status = 206;
        out.outcome = StaticOutcome::partial;
        out.offset = static_cast<off_t>(range.first);
        out.length = range.length;
        out.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                      std::to_string(range.first + range.length - 1) + "/" +
                                                      std::to_string(size));
    } else {
        out.status = 200;
        out.outcome = StaticOutcome::served;
        out.length = size;
    }
    out.headers.emplace_back("Content-Length", std::to_string(out.length));
    out.file = std::move(file.fd);
    return out;
}

}  // namespace fulcrum::proxy::static_files
