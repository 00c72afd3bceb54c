#include "proxy/http/forwarding.h"

#include <array>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace fulcrum::proxy::http {

const char* reason_phrase(int status) {
    switch (status) {
        case 100: return "Continue";
        case 101: return "Switching Protocols";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 206: return "Partial Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 304: return "Not Modified";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 411: return "Length Required";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 416: return "Range Not Satisfiable";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        case 505: return "HTTP Version Not Supported";
        default: return "Unknown";
    }
}

bool idempotent_method(std::string_view method) {
    return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS" ||
           method == "TRACE";
}

bool hop_by_hop(FieldName name) {
    switch (name) {
        case FieldName::connection:
        case FieldName::keep_alive:
        case FieldName::proxy_connection:
        case FieldName::te:
        case FieldName::trailer:
        case FieldName::transfer_encoding:
        case FieldName::upgrade:
        case FieldName::proxy_authenticate:
        case FieldName::proxy_authorization:
            return true;
        default:
            return false;
    }
}

namespace {
// Writes a head into a reused string through a pointer: the string is sized once for the
// longest head the message can make and cut to what was written at the end. A size check and
// a zero-fill per field cost more than the copies themselves, on every field of every message.
class HeadWriter {
  public:
    HeadWriter(std::string& out, std::size_t bound) : m_out(out) {
        out.resize(bound);
        m_at = out.data();
        m_end = m_at + bound;
    }
    HeadWriter(const HeadWriter&) = delete;
    HeadWriter& operator=(const HeadWriter&) = delete;
    ~HeadWriter() { m_out.resize(static_cast<std::size_t>(m_at - m_out.data())); }

    void put(std::string_view text) {
        // The bound is the caller's proof; a head past it would be a bug, not an input.
        if (text.size() > static_cast<std::size_t>(m_end - m_at)) std::abort();
        if (!text.empty()) std::memcpy(m_at, text.data(), text.size());
        m_at += text.size();
    }
    void field(std::string_view name, std::string_view value) {
        put(name);
        put(": ");
        put(value);
        put("\r\n");
    }
    void number(std::uint64_t n) {
        char digits[24];
        const auto r = std::to_chars(digits, digits + sizeof digits, n);
        put(std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
    }

  private:
    std::string& m_out;
    char* m_at;
    char* m_end;
};

// Room for every field as "name: value\r\n", twice: the fields forwarded, and the values we
// repeat in fields of our own (X-Forwarded-For's and -Host's, Upgrade's) are each at most all
// of them.
std::size_t fields_bound(const HttpHead& head) {
    std::size_t n = 0;
    for (const auto& f : head.fields) n += f.name.size() + f.value.size() + 4;
    return 2 * n;
}
// What our own lines add beyond the values they carry: names, separators, numbers.
constexpr std::size_t kOwnLines = 512;

bool named_in_connection(const HttpHead& head, std::string_view name) {
    for (const auto& f : head.fields) {
        if (f.id == FieldName::connection && list_contains(f.value, name)) return true;
    }
    return false;
}

// The tokens the head's Connection fields list, gathered once: each field is then checked
// against these few instead of every field being scanned again for every field. Tokens that
// name a hop-by-hop field are left out: those fields are dropped anyway, and that is what
// Connection usually lists ("keep-alive", "upgrade"), so most heads gather none. Same answers
// as named_in_connection for the fields it is asked about (empty list items name nothing); a
// head listing more tokens than fit asks named_in_connection.
class ConnectionTokens {
public:
    explicit ConnectionTokens(const HttpHead& head) : m_head(head) {
        for (const auto& f : head.fields) {
            if (f.id != FieldName::connection) continue;
            std::string_view list = f.value;
            while (!list.empty()) {
                const auto comma = list.find(',');
                const auto token = trim(list.substr(0, comma));
                if (!token.empty() && !hop_by_hop(classify(token))) {
                    if (m_count < m_tokens.size()) {
                        m_tokens[m_count++] = token;
                    } else {
                        m_overflow = true;
                    }
                }
                if (comma == std::string_view::npos) break;
                list.remove_prefix(comma + 1);
            }
        }
    }

    // Asked only about fields that are not hop-by-hop.
    bool names(std::string_view name) const {
        if (m_overflow) return named_in_connection(m_head, name);
        for (std::size_t i = 0; i < m_count; ++i) {
            if (iequals(m_tokens[i], name)) return true;
        }
        return false;
    }

private:
    const HttpHead& m_head;
    std::array<std::string_view, 8> m_tokens{};
    std::size_t m_count = 0;
    bool m_overflow = false;
};

void append_number(std::string& out, std::uint64_t n) {
    char buffer[24];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, n);
    out.append(buffer, r.ptr);
}
}  // namespace

void build_upstream_request(const HttpHead& request, const UpstreamRequestOptions& options, std::string& out) {
    HeadWriter w(out, request.method.size() + request.target.size() + fields_bound(request) +
                          options.default_host.size() + options.client_ip.size() + options.scheme.size() +
                          kOwnLines);
    w.put(request.method);
    w.put(" ");
    w.put(request.target);
    w.put(" HTTP/1.1\r\n");
    const ConnectionTokens connection(request);
    std::string_view forwarded_for;
    std::string_view host;
    for (const auto& f : request.fields) {
        if (hop_by_hop(f.id)) continue;
        switch (f.id) {
            case FieldName::x_forwarded_for:
                forwarded_for = f.value;  // a repeated field keeps only the last; rare and harmless
                continue;
            case FieldName::x_forwarded_proto:
            case FieldName::x_forwarded_host:
            case FieldName::expect:
                continue;  // we set those two; we answered 100-continue ourselves
            case FieldName::host:
                host = f.value;
                break;
            default:
                break;
        }
        if (connection.names(f.name)) continue;
        w.field(f.name, f.value);
    }
    if (host.empty() && !options.default_host.empty()) w.field("Host", options.default_host);
    w.put("X-Forwarded-For: ");
    if (!forwarded_for.empty()) {
        w.put(forwarded_for);
        w.put(", ");
    }
    w.put(options.client_ip);
    w.put("\r\n");
    w.field("X-Forwarded-Proto", options.scheme);
    if (!host.empty()) w.field("X-Forwarded-Host", host);
    if (request.chunked) w.put("Transfer-Encoding: chunked\r\n");
    if (options.upgrade) {
        w.field("Upgrade", request.header(FieldName::upgrade));
        w.put("Connection: upgrade\r\n");
    } else if (!options.keep_alive) {
        w.put("Connection: close\r\n");
    }
    w.put("\r\n");
}

void build_client_response(const HttpHead& response, const ClientResponseOptions& options, std::string& out) {
    const std::string_view reason =
        response.reason.empty() ? reason_phrase(response.status) : response.reason;
    HeadWriter w(out, reason.size() + fields_bound(response) + kOwnLines);
    w.put("HTTP/1.1 ");
    w.number(static_cast<std::uint64_t>(response.status));
    w.put(" ");
    w.put(reason);
    w.put("\r\n");
    const ConnectionTokens connection(response);
    bool has_hsts = false;
    for (const auto& f : response.fields) {
        if (f.id == FieldName::transfer_encoding) {
            if (!options.dechunk) w.field(f.name, f.value);
            continue;
        }
        if (hop_by_hop(f.id)) continue;
        if (connection.names(f.name)) continue;
        if (f.id == FieldName::strict_transport_security) has_hsts = true;
        w.field(f.name, f.value);
    }
    if (options.hsts_max_age > 0 && !has_hsts) {
        w.put("Strict-Transport-Security: max-age=");
        w.number(options.hsts_max_age);
        w.put("\r\n");
    }
    if (options.upgrade) {
        w.field("Upgrade", response.header(FieldName::upgrade));
        w.put("Connection: upgrade\r\n");
    } else if (!options.keep_alive) {
        w.put("Connection: close\r\n");
    } else if (!options.client_http11) {
        w.put("Connection: keep-alive\r\n");
    }
    w.put("\r\n");
}

void build_error_response(int status, std::string_view detail, bool keep_alive, std::string& out,
                          std::string_view extra_headers) {
    std::string body = std::to_string(status) + " " + reason_phrase(status);
    if (!detail.empty()) {
        body += ": ";
        body += detail;
    }
    body += "\n";
    out.clear();
    out.append("HTTP/1.1 ");
    append_number(out, static_cast<std::uint64_t>(status));
    out.push_back(' ');
    out.append(reason_phrase(status));
    out.append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    append_number(out, body.size());
    out.append("\r\nCache-Control: no-store\r\n");
    out.append(extra_headers);
    out.append(keep_alive ? "" : "Connection: close\r\n");
    out.append("\r\n");
    out.append(body);
}

}  // namespace fulcrum::proxy::http
