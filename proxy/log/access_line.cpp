#include "proxy/log/access_line.h"

#include <charconv>
#include <cstdio>

namespace fulcrum::proxy::logging {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_number(std::string& out, std::uint64_t value) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
}

void append_int(std::string& out, std::int64_t value) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
}

// Microseconds as seconds with three decimals ("0.003"), nginx's $request_time.
void append_seconds(std::string& out, std::int64_t micros) {
    if (micros < 0) micros = 0;
    const auto ms = static_cast<std::uint64_t>(micros) / 1000;
    append_number(out, ms / 1000);
    char frac[5] = {'.', static_cast<char>('0' + (ms % 1000) / 100), static_cast<char>('0' + (ms % 100) / 10),
                    static_cast<char>('0' + ms % 10), 0};
    out.append(frac, 4);
}

// Length of the valid UTF-8 sequence at the start of `s` (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), or 0 when the first byte does not start one.
std::size_t utf8_sequence(std::string_view s) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
    const unsigned char c = b(0);
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
        if (c == 0xED && b(1) > 0x9F) return 0;  // surrogates
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
        if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

void append_json_string(std::string& out, std::string_view bytes) {
    out.push_back('"');
    append_json_escaped(out, bytes);
    out.push_back('"');
}

std::string_view or_dash(std::string_view text) { return text.empty() ? std::string_view("-") : text; }

}  // namespace

void RequestFields::capture(std::string_view method_text, std::string_view target_text, std::string_view protocol_text,
                            std::string_view host_text, std::string_view referer_text, std::string_view user_agent_text) {
    m_bytes.clear();
    const std::string_view parts[Field::count] = {method_text, target_text, protocol_text, host_text, referer_text, user_agent_text};
    for (std::size_t i = 0; i < Field::count; ++i) {
        m_bytes.append(parts[i]);
        m_end[i] = static_cast<std::uint32_t>(m_bytes.size());
    }
}

void RequestFields::clear() {
    m_bytes.clear();
    m_end.fill(0);
}

std::string_view RequestFields::get(Field field) const {
    const std::uint32_t begin = field == 0 ? 0 : m_end[field - 1];
    return std::string_view(m_bytes).substr(begin, m_end[field] - begin);
}

void LineClock::update(std::int64_t now_ns) {
    const auto second = static_cast<std::time_t>(now_ns / 1'000'000'000);
    m_ms = static_cast<int>((now_ns / 1'000'000) % 1000);
    if (second == m_second) return;
    m_second = second;
    std::tm parts{};
    ::gmtime_r(&second, &parts);
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    // Always UTC: a log read on another machine, or across a DST change, means one thing.
    const int combined = std::snprintf(m_combined.data(), m_combined.size(), "[%02d/%s/%04d:%02d:%02d:%02d +0000]",
                                       parts.tm_mday, kMonths[parts.tm_mon % 12], parts.tm_year + 1900, parts.tm_hour,
                                       parts.tm_min, parts.tm_sec);
    m_combined_size = combined > 0 ? static_cast<std::size_t>(combined) : 0;
    const int iso = std::snprintf(m_iso.data(), m_iso.size(), "%04d-%02d-%02dT%02d:%02d:%02d", parts.tm_year + 1900,
                                  parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
    m_iso_size = iso > 0 ? static_cast<std::size_t>(iso) : 0;
}

void append_combined_escaped(std::string& out, std::string_view bytes) {
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
            const char escaped[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 0xF]};
            out.append(escaped, 4);
        } else {
            out.push_back(ch);
        }
    }
}

void append_json_escaped(std::string& out, std::string_view bytes) {
    for (std::size_t i = 0; i < bytes.size();) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c >= 0x80) {
            if (const auto n = utf8_sequence(bytes.substr(i))) {
                out.append(bytes.substr(i, n));
                i += n;
                continue;
            }
        }
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c < 0x20 || c >= 0x7F) {
            const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
            out.append(escaped, 6);
        } else {
            out.push_back(static_cast<char>(c));
        }
        ++i;
    }
}

void format_access_line(AccessLogFormat format, const AccessRecord& record, const LineClock& clock, std::string& out) {
    static const RequestFields kNone;
    const RequestFields& request = record.request ? *record.request : kNone;
    using F = RequestFields;
    if (format == AccessLogFormat::combined) {
        // nginx's "combined", then what a proxy's log needs, as key="value" pairs that
        // combined-format parsers ignore: host, listener, upstream, request time.
        append_combined_escaped(out, or_dash(record.client));
        out.append(" - - ");
        out.append(clock.combined());
        out.append(" \"");
        if (request.get(F::method).empty()) {
            out.push_back('-');
        } else {
            append_combined_escaped(out, request.get(F::method));
            out.push_back(' ');
            append_combined_escaped(out, request.get(F::target));
            out.push_back(' ');
            append_combined_escaped(out, request.get(F::protocol));
        }
        out.append("\" ");
        append_int(out, record.status);
        out.push_back(' ');
        append_number(out, record.bytes_sent);
        out.append(" \"");
        append_combined_escaped(out, or_dash(request.get(F::referer)));
        out.append("\" \"");
        append_combined_escaped(out, or_dash(request.get(F::user_agent)));
        out.append("\" host=\"");
        append_combined_escaped(out, or_dash(request.get(F::host)));
        out.append("\" listener=\"");
        append_combined_escaped(out, record.listener);
        out.append("\" upstream=\"");
        append_combined_escaped(out, or_dash(record.upstream));
        out.append("\" rt=");
        append_seconds(out, record.duration_us);
        out.push_back('\n');
        return;
    }
    out.append("{\"time\":\"");
    out.append(clock.iso_seconds());
    char ms[6] = {'.', static_cast<char>('0' + clock.milliseconds() / 100), static_cast<char>('0' + clock.milliseconds() / 10 % 10),
                  static_cast<char>('0' + clock.milliseconds() % 10), 'Z', '"'};
    out.append(ms, 6);
    out.append(",\"client\":");
    append_json_string(out, record.client);
    out.append(",\"listener\":");
    append_json_string(out, record.listener);
    out.append(",\"method\":");
    append_json_string(out, request.get(F::method));
    out.append(",\"target\":");
    append_json_string(out, request.get(F::target));
    out.append(",\"protocol\":");
    append_json_string(out, request.get(F::protocol));
    out.append(",\"host\":");
    append_json_string(out, request.get(F::host));
    out.append(",\"status\":");
    append_int(out, record.status);
    out.append(",\"bytes_sent\":");
    append_number(out, record.bytes_sent);
    out.append(",\"duration_ms\":");
    append_number(out, static_cast<std::uint64_t>(record.duration_us < 0 ? 0 : record.duration_us) / 1000);
    out.push_back('.');
    const auto fraction = static_cast<std::uint64_t>(record.duration_us < 0 ? 0 : record.duration_us) % 1000;
    out.push_back(static_cast<char>('0' + fraction / 100));
    out.push_back(static_cast<char>('0' + fraction / 10 % 10));
    out.push_back(static_cast<char>('0' + fraction % 10));
    out.append(",\"upstream\":");
    if (record.upstream.empty()) {
        out.append("null");
    } else {
        append_json_string(out, record.upstream);
    }
    out.append(",\"referer\":");
    append_json_string(out, request.get(F::referer));
    out.append(",\"user_agent\":");
    append_json_string(out, request.get(F::user_agent));
    out.append("}\n");
}

}  // namespace fulcrum::proxy::logging
