#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <llhttp.h>

#include "proxy/http/http_head.h"

namespace fulcrum::proxy::http {

struct HttpLimits {
    std::size_t max_head_bytes = 32 * 1024;  // request line + fields: 431 beyond (414 for the target)
    std::size_t max_fields = 100;            // 431 beyond
    std::size_t max_target_bytes = 8 * 1024;  // 414 beyond
    std::uint64_t max_body_bytes = 1024ull * 1024 * 1024;  // 413 beyond
};

// Why a message was refused; status() is what a client gets (then the connection closes).
enum class HttpError {
    none,
    bad_syntax,          // 400
    bad_framing,         // 400: CL+TE, bad/duplicate CL, TE not ending in chunked, bad chunks
    bad_field,           // 400: control bytes in a value, bare CR/LF, NUL, whitespace before ':'
    missing_host,        // 400
    duplicate_host,      // 400
    head_too_large,      // 431
    too_many_fields,     // 431
    target_too_long,     // 414
    body_too_large,      // 413
    unsupported_coding,  // 501: a transfer coding other than chunked
    unknown_method,      // 501
    bad_version,         // 505
};
int status_of(HttpError error);
const char* to_string(HttpError error);

// An llhttp parser in strict mode (no lenient flag) plus the checks llhttp 8 leaves to us.
// Use: feed the head bytes (one contiguous buffer that does not move while the head is
// parsed) until head_complete; then feed body bytes until message_complete. The parser
// pauses at the end of each message, so pipelined bytes after it stay unconsumed.
class HttpParser {
public:
    enum class Kind { request, response };
    enum class Status { need_more, head_complete, message_complete, error };

    struct Result {
        Status status = Status::need_more;
        std::size_t consumed = 0;  // bytes of the input that belong to this message
    };

    HttpParser(Kind kind, HttpLimits limits = {});
    HttpParser(const HttpParser&) = delete;
    HttpParser& operator=(const HttpParser&) = delete;

    // Starts a new message; `head_begin` is where its first byte will be in the buffer.
    void start(const char* head_begin);
    // For a response to HEAD (or one whose body the request rules out): no body expected.
    void expect_no_body(bool value) { m_no_body = value; }

    // Feeds the bytes of the head; `data` continues the bytes fed before without a gap.
    Result feed_head(const char* data, std::size_t size);
    // Feeds body bytes. Decoded body pieces (chunk framing removed) are appended to
    // `pieces` as views into `data`.
    Result feed_body(const char* data, std::size_t size, std::vector<std::string_view>& pieces);
    // The peer closed: completes a close-delimited body, otherwise an error.
    Result finish();

    const HttpHead& head() const { return m_head; }
    HttpError error() const { return m_error; }
    // Whether the body runs until the connection closes (responses without length).
    bool body_until_eof() const;
    std::uint64_t body_bytes() const { return m_body_bytes; }
    bool message_done() const { return m_done; }

private:
    static int on_url(llhttp_t* p, const char* at, std::size_t n);
    static int on_method(llhttp_t* p, const char* at, std::size_t n);
    static int on_status(llhttp_t* p, const char* at, std::size_t n);
    static int on_field(llhttp_t* p, const char* at, std::size_t n);
    static int on_value(llhttp_t* p, const char* at, std::size_t n);
    static int on_headers_complete(llhttp_t* p);
    static int on_body(llhttp_t* p, const char* at, std::size_t n);
    static int on_message_complete(llhttp_t* p);
    static const llhttp_settings_t* settings();

    Result run(const char* data, std::size_t size);
    bool validate_head();
    void fail(HttpError error) { if (m_error == HttpError::none) m_error = error; }

    Kind m_kind;
    HttpLimits m_limits;
    llhttp_t m_parser{};
    HttpHead m_head;
    const char* m_head_begin = nullptr;
    std::size_t m_head_bytes = 0;
    bool m_in_value = false;
    bool m_scan_done = false;  // scan_head found the end of the head
    bool m_head_done = false;
    bool m_done = false;
    bool m_no_body = false;
    std::uint64_t m_body_bytes = 0;
    std::vector<std::string_view>* m_pieces = nullptr;
    HttpError m_error = HttpError::none;
};

}  // namespace fulcrum::proxy::http
