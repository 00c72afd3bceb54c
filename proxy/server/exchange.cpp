#include "proxy/server/exchange.h"

namespace fulcrum::proxy::server {

namespace {

http::HttpLimits upstream_limits() {
    http::HttpLimits limits;
    limits.max_body_bytes = ~0ull;  // the client's limits bound what we ask for, not answers
    return limits;
}

constexpr std::size_t kReserve = 64;

}  // namespace

Exchange::Exchange(const http::HttpLimits& request_limits)
    : request(http::HttpParser::Kind::request, request_limits),
      response(http::HttpParser::Kind::response, upstream_limits()) {}

std::unique_ptr<Exchange> ExchangePool::take() {
    if (m_free.empty()) return std::make_unique<Exchange>(m_limits);
    auto out = std::move(m_free.back());
    m_free.pop_back();
    return out;
}

void ExchangePool::give(std::unique_ptr<Exchange> exchange) {
    if (exchange && m_free.size() < kReserve) m_free.push_back(std::move(exchange));
}

}  // namespace fulcrum::proxy::server
