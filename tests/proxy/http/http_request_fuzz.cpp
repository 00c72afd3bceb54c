// libFuzzer target for the request path's parser: llhttp in strict mode plus our own head
// checks. Never crashes, bounded, and what it accepts is self-consistent: a completed head
// has a method and an origin-form target, exactly one Host for HTTP/1.1, and never both
// Content-Length and chunked framing. Bytes are fed in two pieces to exercise split heads.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "proxy/http/http_parser.h"

namespace {
void check_head(const fulcrum::proxy::http::HttpHead& head) {
    if (head.method.empty()) std::abort();
    if (head.target.empty() || (head.target.front() != '/' && head.target != "*")) std::abort();
    if (head.http11() && head.count("host") != 1) std::abort();
    if (head.chunked && head.has_content_length) std::abort();
    for (const auto& field : head.fields) {
        for (const char c : field.value) {
            if (c == '\r' || c == '\n' || c == '\0') std::abort();
        }
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace fulcrum::proxy::http;
    HttpLimits limits;
    limits.max_head_bytes = 4096;
    limits.max_body_bytes = 1 << 16;
    // The proxy's own buffer discipline: one contiguous buffer that never moves.
    const std::size_t capacity = limits.max_head_bytes;
    auto buffer = std::make_unique<char[]>(capacity);
    const std::size_t n = size < capacity ? size : capacity;
    if (n > 0) std::memcpy(buffer.get(), data, n);
    HttpParser parser(HttpParser::Kind::request, limits);
    std::size_t start = 0;
    for (int message = 0; message < 8 && start < n; ++message) {
        parser.start(buffer.get() + start);
        const std::size_t split = start + (n - start) / 2;
        auto result = parser.feed_head(buffer.get() + start, split - start);
        std::size_t at = start + result.consumed;
        if (result.status == HttpParser::Status::need_more) {
            result = parser.feed_head(buffer.get() + at, n - at);
            at += result.consumed;
        }
        if (result.status == HttpParser::Status::error) {
            if (parser.error() == HttpError::none) std::abort();
            (void)status_of(parser.error());
            return 0;
        }
        if (result.status == HttpParser::Status::need_more) return 0;
        check_head(parser.head());
        if (result.status == HttpParser::Status::head_complete) {
            std::vector<std::string_view> pieces;
            const auto body = parser.feed_body(buffer.get() + at, n - at, pieces);
            for (const auto& piece : pieces) {
                if (piece.data() < buffer.get() || piece.data() + piece.size() > buffer.get() + n) std::abort();
            }
            if (body.status == HttpParser::Status::error) return 0;
            at += body.consumed;
            if (body.status != HttpParser::Status::message_complete) return 0;
        }
        if (at <= start) return 0;
        start = at;
    }
    return 0;
}
