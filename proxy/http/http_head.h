#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace fulcrum::proxy::http {

// ASCII case-insensitive equality. Inline: header names are compared on every field of every
// message (the hop-by-hop filter alone tries nine names per field), and most comparisons end at
// the length check (callgrind: 6 % of the proxy's user-space instructions per request
// went to the out-of-line calls).
inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] + 32) : a[i];
        const char y = (b[i] >= 'A' && b[i] <= 'Z') ? static_cast<char>(b[i] + 32) : b[i];
        if (x != y) return false;
    }
    return true;
}
// Inline: every value of every head is trimmed once.
inline std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}
// Whether a comma-separated header value (e.g. Connection) lists `token`, case-insensitively.
bool list_contains(std::string_view list, std::string_view token);

// The field names the proxy acts on. A head's names are classified once, when it is parsed, so
// that forwarding (hop-by-hop fields, Connection's tokens, the X-Forwarded-* we set), the
// framing checks and the look-ups of the request path test a byte instead of comparing names
// again and again (callgrind: those comparisons were ~0.8k instructions per proxied request).
enum class FieldName : std::uint8_t {
    other,
    host,
    connection,
    keep_alive,
    proxy_connection,
    te,
    trailer,
    transfer_encoding,
    upgrade,
    proxy_authenticate,
    proxy_authorization,
    x_forwarded_for,
    x_forwarded_proto,
    x_forwarded_host,
    expect,
    strict_transport_security,
};
FieldName classify(std::string_view name);

// A parsed request or response head. Every view points into the connection's read buffer,
// so a head is valid until that buffer is compacted for the next read.
struct HttpHead {
    struct Field {
        Field() = default;
        Field(std::string_view n, std::string_view v) : name(n), value(v), id(classify(n)) {}
        std::string_view name;
        std::string_view value;
        FieldName id = FieldName::other;  // classify(name); the parser sets it once the name is whole
    };

    std::string_view method;  // requests
    std::string_view target;  // requests
    int status = 0;           // responses
    std::string_view reason;  // responses
    int version_major = 1;
    int version_minor = 1;
    std::vector<Field> fields;  // in order, capacity reused across messages

    bool chunked = false;
    bool has_content_length = false;
    std::uint64_t content_length = 0;
    bool keep_alive = true;  // as llhttp decided from version and Connection
    bool upgrade = false;    // Connection: upgrade + Upgrade (requests) / 101 (responses)

    std::string_view header(std::string_view name) const;
    std::size_t count(std::string_view name) const;
    std::string_view header(FieldName id) const {
        for (const auto& field : fields) {
            if (field.id == id) return field.value;
        }
        return {};
    }
    std::size_t count(FieldName id) const {
        std::size_t n = 0;
        for (const auto& field : fields) n += field.id == id ? 1 : 0;
        return n;
    }
    bool http11() const { return version_major == 1 && version_minor >= 1; }
    void clear();
};

}  // namespace fulcrum::proxy::http
