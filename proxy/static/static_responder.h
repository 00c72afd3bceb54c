#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/static/path_decoder.h"
#include "proxy/static/static_root.h"
#include "proxy/static/unique_fd.h"

namespace fulcrum::proxy::static_files {

// What a static route may serve and how it is cached.
struct StaticRouteOptions {
    std::string index = "index.html";
    bool allow_dotfiles = false;
    // Serve FILE.br / FILE.gz instead of FILE when the client accepts them.
    bool precompressed = true;
    // Sent verbatim on 200/206/304, e.g. "public, max-age=31536000, immutable" for hashed
    // asset names. Empty: no Cache-Control header.
    std::string cache_control;
};

// The parts of a request a static route looks at; views into the request being served.
struct StaticRequest {
    std::string_view method;
    // The request path with the route prefix removed; starts with '/'.
    std::string_view path;
    // The route prefix as configured (used to build a redirect to the directory URL).
    std::string_view route_prefix = "/";
    std::string_view if_none_match;
    std::string_view if_modified_since;
    std::string_view range;
    std::string_view if_range;
    std::string_view accept_encoding;
    bool has_range = false;  // distinguishes "Range:" absent from present-but-empty
};

// Why the responder answered as it did; for tests and the access log, never sent.
enum class StaticOutcome {
    served,
    not_modified,
    partial,
    range_not_satisfiable,
    redirect_to_directory,
    bad_path,
    dotfile_refused,
    not_found,
    escape_refused,  // openat2 reported the path or a symlink leaves the root
    not_regular,     // directory without index, FIFO, device, socket
    method_not_allowed,
    open_failed,
};

const char* to_string(StaticOutcome outcome);

// The complete answer: status line and headers, then either `body` or `length` bytes of
// `file` starting at `offset` (sendfile on plain connections). HEAD answers carry the same
// headers and no body bytes.
struct StaticResponse {
    int status = 500;
    std::vector<std::pair<std::string, std::string>> headers;
    UniqueFd file;
    off_t offset = 0;
    std::uint64_t length = 0;
    std::string body;
    bool send_body = true;
    StaticOutcome outcome = StaticOutcome::open_failed;
    PathRefusal refusal = PathRefusal::none;

    std::string_view header(std::string_view name) const;
    // "HTTP/1.1 200 OK\r\n" + headers + "\r\n"; `extra` (e.g. Date, Connection) goes last.
    void append_head(std::string& out, std::string_view extra_headers = {}) const;
    std::uint64_t body_bytes() const { return !send_body ? 0 : file.valid() ? length : body.size(); }
};

// Turns a request on a static route into a response plan. Thread-safe: it holds only the
// root directory descriptor and the options; each call opens its own descriptors.
class StaticResponder {
public:
    StaticResponder(std::shared_ptr<const StaticRoot> root, StaticRouteOptions options);

    StaticResponse respond(const StaticRequest& request) const;

    const StaticRouteOptions& options() const { return m_options; }
    const StaticRoot& root() const { return *m_root; }

private:
    StaticResponse serve_file(const StaticRequest& request, OpenedFile file, const std::string& name) const;

    std::shared_ptr<const StaticRoot> m_root;
    StaticRouteOptions m_options;
};

// Parts of the response logic that tests exercise directly.
std::string make_etag(const struct stat& info, std::string_view variant = {});
bool etag_list_matches(std::string_view if_none_match, std::string_view etag);

struct ByteRange {
    enum class Kind { none, satisfiable, unsatisfiable } kind = Kind::none;
    std::uint64_t first = 0;
    std::uint64_t length = 0;
};
// A single "bytes=" range against a representation of `size` bytes. Several ranges or an
// unparsable header give Kind::none (the full representation is sent, as RFC 9110 allows).
ByteRange parse_single_range(std::string_view header, std::uint64_t size);

// Whether Accept-Encoding allows `coding` (by name or "*", with q > 0).
bool accepts_encoding(std::string_view accept_encoding, std::string_view coding);

}  // namespace fulcrum::proxy::static_files
