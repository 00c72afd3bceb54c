#include "proxy/http/http_parser.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "proxy/http/head_scan.h"

namespace fulcrum::proxy::http {

int status_of(HttpError error) {
    switch (error) {
        case HttpError::none: return 200;
        case HttpError::head_too_large:
        case HttpError::too_many_fields: return 431;
        case HttpError::target_too_long: return 414;
        case HttpError::body_too_large: return 413;
        case HttpError::unsupported_coding:
        case HttpError::unknown_method: return 501;
        case HttpError::bad_version: return 505;
        default: return 400;
    }
}

const char* to_string(HttpError error) {
    switch (error) {
        case HttpError::none: return "none";
        case HttpError::bad_syntax: return "malformed request syntax";
        case HttpError::bad_framing: return "ambiguous or malformed message framing (Content-Length / Transfer-Encoding / chunks)";
        case HttpError::bad_field: return "invalid header field (control bytes, bare CR or LF, obs-fold or whitespace before ':')";
        case HttpError::missing_host: return "missing Host header";
        case HttpError::duplicate_host: return "more than one Host header";
        case HttpError::head_too_large: return "request header section too large";
        case HttpError::too_many_fields: return "too many header fields";
        case HttpError::target_too_long: return "request target too long";
        case HttpError::body_too_large: return "request body too large";
        case HttpError::unsupported_coding: return "transfer coding not implemented (only chunked is)";
        case HttpError::unknown_method: return "method not implemented";
        case HttpError::bad_version: return "HTTP version not supported";
    }
    return "error";
}

namespace {
HttpParser* self(llhttp_t* p) { return static_cast<HttpParser*>(p->data); }

bool bad_value_byte(char c) {
    const auto b = static_cast<unsigned char>(c);
    return (b < 0x20 && b != '\t') || b == 0x7f;
}
}  // namespace

const llhttp_settings_t* HttpParser::settings() {
    static const llhttp_settings_t s = [] {
        llhttp_settings_t out;
        llhttp_settings_init(&out);
        out.on_url = &HttpParser::on_url;
        out.on_method = &HttpParser::on_method;
        out.on_status = &HttpParser::on_status;
        out.on_header_field = &HttpParser::on_field;
        out.on_header_value = &HttpParser::on_value;
        out.on_headers_complete = &HttpParser::on_headers_complete;
        out.on_body = &HttpParser::on_body;
        out.on_message_complete = &HttpParser::on_message_complete;
        return out;
    }();
    return &s;
}

HttpParser::HttpParser(Kind kind, HttpLimits limits) : m_kind(kind), m_limits(limits) {
    llhttp_init(&m_parser, kind == Kind::request ? HTTP_REQUEST : HTTP_RESPONSE, settings());
    m_parser.data = this;
    m_head.fields.reserve(16);
}

void HttpParser::start(const char* head_begin) {
    llhttp_reset(&m_parser);
    m_parser.data = this;
    m_head.clear();
    m_head_begin = head_begin;
    m_head_bytes = 0;
    m_in_value = false;
    m_scan_done = false;
    m_head_done = false;
    m_done = false;
    m_body_bytes = 0;
    m_error = HttpError::none;
}

// Views are extended rather than copied: the head lives in one buffer that does not move,
// so a piece that continues the previous one (split across reads) is adjacent to it.
namespace {
void extend(std::string_view& view, const char* at, std::size_t n) {
    if (view.empty()) {
        view = std::string_view(at, n);
    } else {
        view = std::string_view(view.data(), static_cast<std::size_t>(at + n - view.data()));
    }
}
}  // namespace

int HttpParser::on_url(llhttp_t* p, const char* at, std::size_t n) {
    auto* s = self(p);
    extend(s->m_head.target, at, n);
    if (s->m_head.target.size() > s->m_limits.max_target_bytes) {
        s->fail(HttpError::target_too_long);
        return HPE_USER;
    }
    return 0;
}

int HttpParser::on_method(llhttp_t* p, const char* at, std::size_t n) {
    extend(self(p)->m_head.method, at, n);
    return 0;
}

int HttpParser::on_status(llhttp_t* p, const char* at, std::size_t n) {
    extend(self(p)->m_head.reason, at, n);
    return 0;
}

int HttpParser::on_field(llhttp_t* p, const char* at, std::size_t n) {
    auto* s = self(p);
    auto& fields = s->m_head.fields;
    if (fields.empty() || s->m_in_value) {
        if (fields.size() >= s->m_limits.max_fields) {
            s->fail(HttpError::too_many_fields);
            return HPE_USER;
        }
        fields.push_back({});
        s->m_in_value = false;
    }
    extend(fields.back().name, at, n);
    return 0;
}

namespace {
// Whether a value holds a control byte (below 0x20 but TAB, or DEL). Eight bytes at a time while a
// word has no byte below 0x20 and none equal to 0x7F (exact word tests); a word that might holds
// one (TAB, obs-text) goes byte by byte.
bool has_control_byte(const char* at, std::size_t n) {
    std::size_t i = 0;
    while (n - i >= 8) {
        std::uint64_t word;
        std::memcpy(&word, at + i, sizeof word);
        const std::uint64_t del = word ^ 0x7F7F7F7F7F7F7F7FULL;
        const std::uint64_t below_space = (word - 0x2020202020202020ULL) & ~word;
        const std::uint64_t is_del = (del - 0x0101010101010101ULL) & ~del;
        if (((below_space | is_del) & 0x8080808080808080ULL) != 0) {
            for (const std::size_t end = i + 8; i < end; ++i) {
                if (bad_value_byte(at[i])) return true;
            }
            continue;
        }
        i += 8;
    }
    for (; i < n; ++i) {
        if (bad_value_byte(at[i])) return true;
    }
    return false;
}
}  // namespace

int HttpParser::on_value(llhttp_t* p, const char* at, std::size_t n) {
    auto* s = self(p);
    // The head's values were checked with the rest of the head (scan_head). The trailer fields
    // of a chunked body come through here too, and only here: they are checked now.
    if (s->m_head_done && has_control_byte(at, n)) {
        s->fail(HttpError::bad_field);
        return HPE_USER;
    }
    s->m_in_value = true;
    if (!s->m_head.fields.empty()) extend(s->m_head.fields.back().value, at, n);
    return 0;
}

int HttpParser::on_headers_complete(llhttp_t* p) {
    auto* s = self(p);
    auto& head = s->m_head;
    head.version_major = p->http_major;
    head.version_minor = p->http_minor;
    head.status = p->status_code;
    head.keep_alive = llhttp_should_keep_alive(p) != 0;
    head.upgrade = p->upgrade != 0;
    head.chunked = (p->flags & F_CHUNKED) != 0;
    head.has_content_length = (p->flags & F_CONTENT_LENGTH) != 0;
    head.content_length = head.has_content_length ? p->content_length : 0;
    for (auto& field : head.fields) {
        field.value = trim(field.value);
        field.id = classify(field.name);
    }
    s->m_head_done = true;
    if (!s->validate_head()) return -1;
    if (s->m_no_body) return 1;
    // Pause only when a body follows, so a bodyless message runs on to on_message_complete
    // (which pauses) within the same call.
    const bool body = head.chunked || head.content_length > 0 || (s->m_kind == Kind::response && llhttp_message_needs_eof(p));
    return body ? HPE_PAUSED : 0;
}

int HttpParser::on_body(llhttp_t* p, const char* at, std::size_t n) {
    auto* s = self(p);
    s->m_body_bytes += n;
    if (s->m_kind == Kind::request && s->m_body_bytes > s->m_limits.max_body_bytes) {
        s->fail(HttpError::body_too_large);
        return HPE_USER;
    }
    if (s->m_pieces) s->m_pieces->emplace_back(at, n);
    return 0;
}

int HttpParser::on_message_complete(llhttp_t* p) {
    self(p)->m_done = true;
    return HPE_PAUSED;
}

namespace {
// RFC 9112 3: method SP request-target SP HTTP-version, the target without whitespace. llhttp,
// not built strict, also reads "GET  / HTTP/1.1", "GET /  HTTP/1.1" and "GET /a\tb HTTP/1.1";
// an upstream that splits such a line differently routes or answers a request other than the
// one we checked. The method and target views point into the head's one buffer, and a complete
// head holds the version after the target, so the bytes around the target can be looked at.
bool single_spaced_request_line(const HttpHead& head) {
    const char* after_method = head.method.data() + head.method.size();
    const char* after_target = head.target.data() + head.target.size();
    return after_method[0] == ' ' && head.target.data() == after_method + 1 && after_target[0] == ' ' &&
           after_target[1] == 'H' && head.target.find_first_of(" \t") == std::string_view::npos;
}
}  // namespace

bool HttpParser::validate_head() {
    auto& head = m_head;
    if (m_kind == Kind::response) return true;
    if (head.version_major != 1) {
        fail(HttpError::bad_version);
        return false;
    }
    if (head.method == "CONNECT") {
        fail(HttpError::unknown_method);
        return false;
    }
    if (head.target.empty() || (head.target.front() != '/' && !(head.target == "*" && head.method == "OPTIONS"))) {
        fail(HttpError::bad_syntax);
        return false;
    }
    if (!single_spaced_request_line(head)) {
        fail(HttpError::bad_syntax);
        return false;
    }
    const auto hosts = head.count(FieldName::host);
    if (hosts > 1) {
        fail(HttpError::duplicate_host);
        return false;
    }
    if (hosts == 0 && head.http11()) {
        fail(HttpError::missing_host);
        return false;
    }
    const auto codings = head.count(FieldName::transfer_encoding);
    if (codings > 0) {
        if (!head.http11()) {
            fail(HttpError::bad_framing);
            return false;
        }
        if (codings > 1 || !iequals(head.header(FieldName::transfer_encoding), "chunked")) {
            fail(HttpError::unsupported_coding);
            return false;
        }
    }
    if (head.content_length > m_limits.max_body_bytes) {
        fail(HttpError::body_too_large);
        return false;
    }
    return true;
}

HttpParser::Result HttpParser::run(const char* data, std::size_t size) {
    Result result;
    const auto code = llhttp_execute(&m_parser, data, size);
    if (code == HPE_OK) {
        result.consumed = size;
        result.status = Status::need_more;
        return result;
    }
    if (code == HPE_PAUSED || code == HPE_PAUSED_UPGRADE) {
        const char* at = llhttp_get_error_pos(&m_parser);
        result.consumed = at ? static_cast<std::size_t>(at - data) : size;
        if (code == HPE_PAUSED) llhttp_resume(&m_parser);
        result.status = m_done ? Status::message_complete : Status::head_complete;
        return result;
    }
    if (m_error == HttpError::none) {
        switch (code) {
            case HPE_INVALID_METHOD: fail(HttpError::unknown_method); break;
            case HPE_INVALID_VERSION: fail(HttpError::bad_version); break;
            case HPE_INVALID_HEADER_TOKEN:
            case HPE_CR_EXPECTED:
            case HPE_LF_EXPECTED:
            case HPE_UNEXPECTED_SPACE: fail(HttpError::bad_field); break;
            case HPE_UNEXPECTED_CONTENT_LENGTH:
            case HPE_INVALID_CONTENT_LENGTH:
            case HPE_INVALID_CHUNK_SIZE:
            case HPE_INVALID_TRANSFER_ENCODING: fail(HttpError::bad_framing); break;
            default: fail(HttpError::bad_syntax); break;
        }
    }
    result.status = Status::error;
    return result;
}

HttpParser::Result HttpParser::feed_head(const char* data, std::size_t size) {
    const auto from = static_cast<std::size_t>(data - m_head_begin);
    // llhttp gets no byte of the head that the scan has not seen: past the head limit the head
    // is refused anyway (below), so the bytes beyond it are not fed at all.
    const std::size_t room = m_limits.max_head_bytes > from ? m_limits.max_head_bytes - from : 0;
    const std::size_t fed = std::min(size, room);
    if (!m_scan_done) {
        const auto scan = scan_head(m_head_begin, from, from + fed);
        if (scan.status == HeadScan::Status::bad) {
            fail(HttpError::bad_field);
            return {Status::error, 0};
        }
        m_scan_done = scan.status == HeadScan::Status::end;
    }
    auto result = run(data, fed);
    m_head_bytes += result.consumed;
    if (result.status == Status::need_more && from + size >= m_limits.max_head_bytes) {
        // Still in the request line: the target is what is too long.
        fail(m_kind == Kind::request && m_head.fields.empty() ? HttpError::target_too_long : HttpError::head_too_large);
        result.status = Status::error;
    }
    return result;
}

HttpParser::Result HttpParser::feed_body(const char* data, std::size_t size, std::vector<std::string_view>& pieces) {
    if (m_head_done && !m_done && m_error == HttpError::none && m_head.has_content_length &&
        !m_head.chunked && !m_head.upgrade) {
        // A Content-Length body is counted here. llhttp checked the length with the head and
        // would do no more with the bytes than count them, through its state machine and three
        // callbacks per feed; it is started afresh for the next message (start()), and finish()
        // still refuses a body cut short (llhttp's state still expects the body).
        const std::uint64_t left = m_head.content_length - m_body_bytes;
        const std::size_t n = size < left ? size : static_cast<std::size_t>(left);
        m_body_bytes += n;
        if (n > 0) pieces.emplace_back(data, n);
        if (m_body_bytes < m_head.content_length) return {Status::need_more, n};
        m_done = true;
        return {Status::message_complete, n};
    }
    m_pieces = &pieces;
    auto result = run(data, size);
    m_pieces = nullptr;
    return result;
}

HttpParser::Result HttpParser::finish() {
    const auto code = llhttp_finish(&m_parser);
    if (code == HPE_OK || code == HPE_PAUSED) {
        if (m_head_done && body_until_eof()) m_done = true;
        if (m_done) return {Status::message_complete, 0};
    }
    if (m_error == HttpError::none) fail(HttpError::bad_framing);
    return {Status::error, 0};
}

bool HttpParser::body_until_eof() const {
    return m_kind == Kind::response && m_head_done && !m_head.chunked && !m_head.has_content_length && !m_no_body &&
           m_head.status >= 200 && m_head.status != 204 && m_head.status != 304;
}

}  // namespace fulcrum::proxy::http
