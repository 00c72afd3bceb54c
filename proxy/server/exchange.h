#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/buffer.hpp>

#include "proxy/http/http_parser.h"
#include "proxy/log/access_line.h"

namespace fulcrum::proxy::server {

// What is left of a request once its head's views are gone (the buffer is reused for the
// body); everything the rest of the exchange needs.
struct RequestInfo {
    std::string method;
    bool keep_alive = true;
    bool http11 = true;
    bool has_body = false;
    bool chunked = false;
    bool is_head = false;
    bool idempotent = true;
    bool upgrade = false;
    std::uint64_t content_length = 0;
};

// Everything one request/response exchange needs beyond the connection itself: both parsers
// (with their reserved field vectors), the heads we build and the gather lists. A connection
// holds one only while a request is in progress, like its read buffer, so an idle keep-alive
// connection does not carry ~2 KiB of parser state it is not using.
struct Exchange {
    explicit Exchange(const http::HttpLimits& request_limits);

    http::HttpParser request;
    http::HttpParser response;
    std::string out;            // the head (or whole error answer) for the client
    std::string upstream_head;  // the head for the upstream
    std::vector<asio::const_buffer> iov;
    std::vector<std::string_view> pieces;
    logging::RequestFields log_request;  // access log only: the head's fields, copied out
    RequestInfo info;                    // the request being answered
};

// Recycled per loop thread (single-threaded, no locks); a burst's extras go back to the
// allocator beyond a bounded reserve.
class ExchangePool {
public:
    explicit ExchangePool(http::HttpLimits request_limits) : m_limits(request_limits) {}
    std::unique_ptr<Exchange> take();
    void give(std::unique_ptr<Exchange> exchange);

private:
    http::HttpLimits m_limits;
    std::vector<std::unique_ptr<Exchange>> m_free;
};

}  // namespace fulcrum::proxy::server
