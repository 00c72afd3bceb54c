#pragma once

#include <string>
#include <string_view>

#include "proxy/http/http_head.h"

namespace fulcrum::proxy::http {

const char* reason_phrase(int status);

// Whether a request may be sent again after it reached a server (RFC 9110 9.2.2).
bool idempotent_method(std::string_view method);

// Hop-by-hop fields (RFC 9110 7.6.1) plus those the proxy sets itself; never forwarded.
bool hop_by_hop(FieldName name);

struct UpstreamRequestOptions {
    std::string_view client_ip;
    std::string_view scheme;  // "http" / "https": X-Forwarded-Proto
    bool keep_alive = true;   // false: "Connection: close" upstream (no upstream keep-alive)
    bool upgrade = false;     // forward Upgrade / Connection: upgrade (WebSocket)
    std::string_view default_host;  // for HTTP/1.0 requests without Host
};

// The head sent upstream: always HTTP/1.1, hop-by-hop fields and those named in Connection
// removed, Host passed through, X-Forwarded-For appended, X-Forwarded-Proto and -Host set by
// us (a client's own values for those two are dropped), chunked framing re-declared.
void build_upstream_request(const HttpHead& request, const UpstreamRequestOptions& options, std::string& out);

struct ClientResponseOptions {
    bool keep_alive = true;       // false: "Connection: close"
    bool client_http11 = true;    // HTTP/1.0 clients get "Connection: keep-alive" when kept
    bool dechunk = false;         // body is re-framed close-delimited: drop Transfer-Encoding
    bool upgrade = false;         // 101: pass Upgrade and Connection: upgrade
    std::uint64_t hsts_max_age = 0;  // > 0: add Strict-Transport-Security unless present
};

// The head sent to the client for an upstream response.
void build_client_response(const HttpHead& response, const ClientResponseOptions& options, std::string& out);

// A complete short answer from the proxy itself (errors, redirects): text body saying why.
void build_error_response(int status, std::string_view detail, bool keep_alive, std::string& out,
                          std::string_view extra_headers = {});

}  // namespace fulcrum::proxy::http
