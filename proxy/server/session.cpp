// One client connection: read a request head (llhttp, strict), route it, answer from a
// static root or proxy it to a pool, repeat while keep-alive allows. C++20 coroutine on its
// worker's loop; the worker's deadline tick enforces every timeout by cancelling the waiting
// socket (check_deadline).
#include "proxy/server/session.h"

#include <sys/socket.h>
#include <unistd.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <cstring>
#include <span>
#include <vector>

#include "proxy/http/forwarding.h"
#include "proxy/http/http_parser.h"
#include "proxy/log/access_log.h"
#include "proxy/pool/pool_runtime.h"
#include "proxy/server/direct_await.h"
#include "proxy/server/launch.h"
#include "proxy/server/proxy_server.h"
#include "proxy/server/snapshot.h"
#include "proxy/server/worker.h"

namespace fulcrum::proxy::server {

namespace {

using asio::awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using TlsStream = asio::ssl::stream<tcp::socket>;

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(TlsStream& s) { return s.next_layer(); }

enum class Phase { none, client_idle, client_head, client_body, client_write, upstream_connect, upstream_io, tunnel };

std::int64_t micros_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

// Guard for a server's in-flight count (least_conn, draining status).
struct InFlight {
    pool::ServerRuntime* server = nullptr;
    explicit InFlight(pool::ServerRuntime* s) : server(s) { server->in_flight.fetch_add(1, std::memory_order_relaxed); }
    ~InFlight() { server->in_flight.fetch_sub(1, std::memory_order_relaxed); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
};

std::string lower_host(std::string_view host) {
    // Strip the port ("[::1]:8080", "example.com:80") and lower-case.
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        host = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
    } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
        host = host.substr(0, colon);
    }
    std::string out(host);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
}

std::string_view cookie_value(std::string_view cookies, std::string_view name) {
    while (!cookies.empty()) {
        const auto semi = cookies.find(';');
        auto pair = http::trim(cookies.substr(0, semi));
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
        if (semi == std::string_view::npos) break;
        cookies.remove_prefix(semi + 1);
    }
    return {};
}

template <class Stream>
class Session final : public SessionBase, public ReadTarget, public std::enable_shared_from_this<Session<Stream>> {
public:
    // `peer`: the client's address, as accept4() gave it (no getpeername() per connection).
    Session(Worker& worker, Stream stream, const tcp::endpoint& peer, const ListenerRuntime& listener,
            std::shared_ptr<const tls::ServerContext> tls_context = nullptr)
        : m_tls_context(std::move(tls_context)),
          m_worker(worker),
          m_server(worker.server()),
          m_stream(std::move(stream)),
          m_listener_name(listener.config.name),
          m_listener_key(listener.key),
          m_listener_stats(listener.stats),
          m_tls(static_cast<bool>(listener.tls)),
          m_redirect(listener.config.redirect_to_https),
          m_https_port(listener.https_port),
          m_hsts(listener.config.hsts_max_age) {
        asio::error_code ec;
        m_client_ip = peer.address().to_string();
        lowest(m_stream).set_option(tcp::no_delay(true), ec);
        m_worker.track(this);
        m_worker.count_session(1);
        m_listener_stats->active_connections.fetch_add(1, std::memory_order_relaxed);
    }

    ~Session() override {
        m_worker.untrack(this);
        m_worker.count_session(-1);
        m_listener_stats->active_connections.fetch_sub(1, std::memory_order_relaxed);
        if (m_buffer) m_worker.buffers().give(std::move(m_buffer));
        if (m_upstream_buffer) m_worker.buffers().give(std::move(m_upstream_buffer));
        if (m_x) m_worker.exchanges().give(std::move(m_x));
    }

    void start() {
        if constexpr (std::is_same_v<Stream, tcp::socket>) {
            wait_for_request();
        } else {
            launch(m_worker.io().get_executor(), run(this->shared_from_this()));
        }
    }

    void on_stop() override {
        m_keep_going = false;
        if (m_phase == Phase::client_idle) {
            asio::error_code ec;
            lowest(m_stream).cancel(ec);
        }
    }

    // The worker's deadline tick calls this (same thread): past the deadline, cancel what the
    // current phase waits on; the cancelled operation sees m_timed_out.
    void check_deadline(Clock::time_point now) override {
        if (m_closed || m_phase == Phase::none || now < m_deadline) return;
        m_timed_out = m_phase;
        m_phase = Phase::none;
        asio::error_code ignored;
        if (m_timed_out == Phase::upstream_connect || m_timed_out == Phase::upstream_io) {
            if (m_upstream) m_upstream->cancel(ignored);
        } else {
            lowest(m_stream).cancel(ignored);
            if (m_timed_out == Phase::tunnel && m_upstream) m_upstream->cancel(ignored);
        }
    }

private:
    // ---- timeouts -------------------------------------------------------------------

    void arm(Phase phase, std::uint64_t ms) {
        m_phase = phase;
        m_timed_out = Phase::none;
        m_deadline = Clock::now() + std::chrono::milliseconds(ms);
    }
    void disarm() { m_phase = Phase::none; }

    // ---- client I/O -----------------------------------------------------------------

    // By value: a const_buffer or a span over the caller's buffers (no copy of a vector).
    template <class Buffers>
    awaitable<bool> write_client_all(Buffers buffers) {
        arm(Phase::client_write, m_server.options().send_timeout_ms);
        IoResult wrote;
        co_await direct(wrote, [&](auto handler) { asio::async_write(m_stream, buffers, std::move(handler)); });
        wrote_client(wrote.bytes);
        co_return !wrote.ec;
    }
    void wrote_client(std::size_t n) {
        disarm();
        add(m_listener_stats->bytes_out, n);
        if (m_pool_stats) add(m_pool_stats->bytes_out, n);
        m_sent += n;
    }
    awaitable<bool> write_client(const std::vector<asio::const_buffer>& buffers) {
        return write_client_all(std::span<const asio::const_buffer>(buffers));
    }
    awaitable<bool> write_client(std::string_view bytes) {
        return write_client_all(asio::const_buffer(bytes.data(), bytes.size()));
    }

    awaitable<void> respond_error(int status, std::string_view detail, bool keep_alive, std::string_view extra = {}) {
        ensure_exchange();
        http::build_error_response(status, detail, keep_alive, m_x->out, extra);
        note_status(status);
        co_await write_client(m_x->out);
    }

    // Counted before the response is written, so a client that has its answer can already
    // see it in the stats.
    void note_status(int status) {
        m_status = status;
        m_listener_stats->count_status(status);
    }

    void ensure_buffer() {
        if (!m_buffer) m_buffer = m_worker.buffers().take();
    }
    void ensure_exchange() {
        if (!m_x) m_x = m_worker.exchanges().take();
    }

    // Moves the unconsumed bytes [m_start, m_filled) to the front of the buffer.
    void compact() {
        if (m_start > 0) {
            std::memmove(m_buffer.get(), m_buffer.get() + m_start, m_filled - m_start);
            m_filled -= m_start;
            m_start = 0;
        }
    }

    // Plain TCP reads tell the reactor when they drained the socket, so the next wait costs no
    // syscall (drained_read.h); TLS reads go through OpenSSL's buffering as before.
    template <class Token>
    auto read_client_some(asio::mutable_buffer buffer, Token&& token) {
        if constexpr (std::is_same_v<Stream, tcp::socket>) {
            return m_worker.reader().read_some(m_stream, buffer, std::forward<Token>(token));
        } else {
            return m_stream.async_read_some(buffer, std::forward<Token>(token));
        }
    }

    awaitable<std::size_t> read_client(Phase phase, std::uint64_t timeout_ms, asio::error_code& ec) {
        arm(phase, timeout_ms);
        const auto capacity = m_worker.buffers().size();
        const auto n = co_await read_client_some(asio::buffer(m_buffer.get() + m_filled, capacity - m_filled),
                                                 asio::redirect_error(asio::use_awaitable, ec));
        disarm();
        m_filled += n;
        add(m_listener_stats->bytes_in, n);
        co_return n;
    }

    // ---- the connection -------------------------------------------------------------

    // Plain TCP, between requests: no coroutine, no buffer, no parser state. The connection
    // is this object, one pending read (a callback holding it) that takes a buffer only once
    // bytes are there, and the reactor's entry; the request loop is entered again with those
    // bytes. (About 1 KiB less per idle connection than waiting inside the loop's coroutine
    // frames, and no syscall to start waiting: see drained_read.h.)
    void wait_for_request() {
        const auto& opts = m_server.options();
        m_start = m_filled = 0;
        if (m_buffer) m_worker.buffers().give(std::move(m_buffer));
        if (m_x) m_worker.exchanges().give(std::move(m_x));
        arm(m_first ? Phase::client_head : Phase::client_idle, m_first ? opts.header_timeout_ms : opts.idle_timeout_ms);
        m_worker.reader().read_lazily(lowest(m_stream), *this, [self = this->shared_from_this()](const asio::error_code& ec, std::size_t n) {
            self->disarm();
            if (!ec && n > 0) {
                self->m_filled = n;
                add(self->m_listener_stats->bytes_in, n);
                launch(self->m_worker.io().get_executor(), self->run(self));
            } else if (self->m_timed_out == Phase::client_head) {
                launch(self->m_worker.io().get_executor(), self->time_out_first_request(self));
            } else {
                self->close();  // idle timeout, stop, or the client went away
            }
        });
    }

    // ReadTarget, for wait_for_request's read: called inside the reactor once bytes are there.
    asio::mutable_buffer prepare() override {
        ensure_buffer();
        return asio::buffer(m_buffer.get(), m_worker.buffers().size());
    }
    void unused() override { m_worker.buffers().give(std::move(m_buffer)); }

    awaitable<void> time_out_first_request([[maybe_unused]] std::shared_ptr<Session> self) {
        co_await respond_error(408, "no request within the header timeout", false);
        close();
    }

    // The bottom of the connection's coroutine stack (launch.h, one frame less per request):
    // it catches what the request path throws, a bug that then ends this connection only.
    BottomOfStack run([[maybe_unused]] std::shared_ptr<Session> self) {
        try {
            // Keep a statement before the `if constexpr`: GCC 12 emits a trap (SIGILL) for a
            // coroutine whose body opens with one whose discarded branch holds a co_await.
            [[maybe_unused]] const auto& opts = m_server.options();
            if constexpr (std::is_same_v<Stream, TlsStream>) {
                arm(Phase::client_head, opts.header_timeout_ms);
                asio::error_code ec;
                co_await m_stream.async_handshake(asio::ssl::stream_base::server,
                                                  asio::redirect_error(asio::use_awaitable, ec));
                disarm();
                if (ec) {
                    close();
                    co_return;
                }
            }
            while (true) {
                ensure_buffer();
                ensure_exchange();
                compact();
                const auto started = Clock::now();
                std::size_t parsed = 0;
                auto result = begin_request(parsed);
                if (result.status == http::HttpParser::Status::need_more &&
                    !co_await read_request_head(parsed, result)) {
                    break;
                }
                if (result.status == http::HttpParser::Status::error) {
                    co_await refuse_request(started);
                    break;
                }
                const bool logging = accept_request(parsed);
                const bool keep =
                    co_await handle(result.status == http::HttpParser::Status::message_complete);
                end_request(keep, logging, started);
                if (!keep) break;
                m_first = false;
                if (!m_keep_going || m_server.stopping()) break;
                // Plain TCP with nothing pipelined: leave the loop until the next request. TLS
                // reads directly (OpenSSL may already hold decrypted bytes of the next request).
                if constexpr (std::is_same_v<Stream, tcp::socket>) {
                    if (m_start == m_filled) {
                        wait_for_request();
                        co_return;
                    }
                }
            }
            close();
        } catch (...) {
        }
    }

    void close() {
        m_closed = true;
        asio::error_code ec;
        if constexpr (std::is_same_v<Stream, TlsStream>) {
            tls::close_cleanly(m_stream.native_handle());
        }
        // close() alone: it sends the FIN (or the RST, with unread bytes) exactly as a
        // shutdown() before it would, since no other descriptor shares the socket; a syscall
        // less per connection.
        lowest(m_stream).close(ec);
        if (m_upstream) m_upstream->close(ec);
    }

    // One request is read and answered inside run()'s loop, in steps that are coroutines only
    // where they wait: the head is usually all in the buffer already (wait_for_request read
    // it), and a coroutine of its own per request cost a frame's allocation, set-up and release.

    // Starts a request on the bytes the buffer holds: per-request state reset, those bytes fed.
    http::HttpParser::Result begin_request(std::size_t& parsed) {
        m_status = 0;
        m_sent = 0;
        m_log_upstream = {};
        m_pool_stats = nullptr;
        m_x->request.start(m_buffer.get() + m_start);
        parsed = m_start;  // bytes of the buffer fed to the parser
        return feed_request_head(parsed);
    }

    // Feeds the bytes not yet parsed: need_more when the head is not all there and the buffer
    // has room for more of it.
    http::HttpParser::Result feed_request_head(std::size_t& parsed) {
        http::HttpParser::Result result;
        if (parsed < m_filled) {
            result = m_x->request.feed_head(m_buffer.get() + parsed, m_filled - parsed);
            parsed += result.consumed;
            if (result.status != http::HttpParser::Status::need_more) return result;
        }
        if (m_filled >= m_worker.buffers().size()) {
            result = m_x->request.feed_head(m_buffer.get() + parsed, 0);
            result.status = http::HttpParser::Status::error;
        }
        return result;
    }

    // Reads until the head is all there (or refused); false when the connection closes
    // without an answer (end of stream, reset) or with the 408 sent here.
    awaitable<bool> read_request_head(std::size_t& parsed, http::HttpParser::Result& result) {
        const auto& opts = m_server.options();
        while (result.status == http::HttpParser::Status::need_more) {
            asio::error_code ec;
            const auto n = co_await read_client(Phase::client_head, opts.header_timeout_ms, ec);
            if (ec || n == 0) {
                if (m_timed_out == Phase::client_head) {
                    co_await respond_error(408, "the request head did not arrive within the header timeout", false);
                }
                co_return false;  // EOF or reset: nothing to answer
            }
            result = feed_request_head(parsed);
        }
        co_return true;
    }

    // A refused head: answered, counted and logged; the connection closes after it.
    awaitable<void> refuse_request(Clock::time_point started) {
        auto error = m_x->request.error();
        if (error == http::HttpError::none) error = http::HttpError::head_too_large;
        add(m_listener_stats->requests);
        co_await respond_error(http::status_of(error), http::to_string(error), false);
        // Refused requests are logged too (they are what an attack looks like), with
        // "-" for a request line we would not trust.
        if (m_server.access_log().enabled()) {
            m_x->log_request.clear();
            log_access(micros_since(started));
        }
    }

    // A head that was accepted: counted, and captured for the log if the line will be
    // written (sampled once per request; the result says whether).
    bool accept_request(std::size_t parsed) {
        m_head_bytes = parsed - m_start;
        m_start = parsed;  // body (or the next request) starts here
        add(m_listener_stats->requests);
        const bool logging = m_server.access_log().enabled();
        if (logging) capture_request();
        return logging;
    }

    // After the answer: what is counted and logged of the request.
    void end_request(bool keep, bool logging, Clock::time_point started) {
        // Bytes of this client's that nothing will read now that the connection closes (a
        // body not forwarded, the rest of a malformed one) came with the pool's request.
        if (!keep && m_pool_stats) add(m_pool_stats->bytes_in, m_filled - m_start);
        const auto elapsed = micros_since(started);
        m_listener_stats->latency.record(static_cast<std::uint64_t>(elapsed));
        if (logging) log_access(elapsed);
    }

    // ---- access log -----------------------------------------------------------------

    // Copies what the line needs out of the head: its views die when the body is read.
    void capture_request() {
        const auto& head = m_x->request.head();
        const char* protocol = head.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
        m_x->log_request.capture(head.method, head.target, protocol, head.header(http::FieldName::host),
                                 head.header("referer"), head.header("user-agent"));
    }

    void log_access(std::int64_t elapsed_us) {
        logging::AccessRecord record;
        record.client = m_client_ip;
        record.listener = m_listener_name;
        record.request = &m_x->log_request;
        record.status = m_status;
        record.bytes_sent = m_sent;
        record.upstream = m_log_upstream;
        record.duration_us = elapsed_us;
        m_server.access_log().append(m_worker.index(), record);
    }

    // Not a coroutine: it picks the coroutine that answers (a frame less per request). What
    // that needs of the request lives in the exchange, which outlives the answer.
    awaitable<bool> handle(bool message_done) {
        const auto& head = m_x->request.head();
        auto& req = m_x->info;
        req = RequestInfo{};
        req.method.assign(head.method);
        req.http11 = head.http11();
        req.keep_alive = head.keep_alive && m_keep_going && !m_server.stopping();
        req.chunked = head.chunked;
        req.content_length = head.content_length;
        req.has_body = !message_done;
        req.is_head = head.method == "HEAD";
        req.idempotent = http::idempotent_method(head.method);
        req.upgrade =
            head.upgrade &&
            http::iequals(http::trim(head.header(http::FieldName::upgrade)).substr(0, 9), "websocket");
        const auto host = lower_host(head.header(http::FieldName::host));
        auto target = head.target;
        const auto path = target.substr(0, target.find('?'));

        m_snapshot = m_server.snapshot();
        if (m_redirect) {
            std::string location = "https://" + host;
            if (m_https_port != 443) location += ":" + std::to_string(m_https_port);
            location.append(target);
            std::string extra = "Location: " + location + "\r\n";
            return answer(308, "use HTTPS", req.keep_alive && !req.has_body, std::move(extra));
        }
        const auto* route = m_snapshot->route(m_listener_name, host, path);
        if (!route) return answer(404, "no route for this host and path", req.keep_alive && !req.has_body);
        if (route->files) return serve_static(*route, req, target);
        if (!route->pool) return answer(503, "the route's pool does not exist", false);
        return proxy(*route->pool, req);
    }

    // A short answer of the proxy's own; true when the connection stays open. `detail` must
    // outlive the answer (the callers pass literals).
    awaitable<bool> answer(int status, std::string_view detail, bool keep, std::string extra = {}) {
        co_await respond_error(status, detail, keep, extra);
        co_return keep;
    }

    // ---- static files ---------------------------------------------------------------

    awaitable<bool> serve_static(const RouteRuntime& route, RequestInfo& req, std::string_view target) {
        const auto& head = m_x->request.head();
        static_files::StaticRequest sreq;
        sreq.method = head.method;
        auto path = target.substr(0, target.find('?'));
        const auto& prefix = route.config.path_prefix;
        std::string_view rest = path.substr(prefix.size());
        std::string rebuilt;
        if (!prefix.empty() && prefix.back() == '/') {
            rebuilt = "/";
            rebuilt.append(rest);
        } else if (rest.empty() || rest.front() == '/') {
            rebuilt = rest.empty() ? "/" : std::string(rest);
        } else {
            co_await respond_error(404, "not found", req.keep_alive && !req.has_body);
            co_return req.keep_alive && !req.has_body;
        }
        sreq.path = rebuilt;
        sreq.route_prefix = prefix;
        sreq.if_none_match = head.header("if-none-match");
        sreq.if_modified_since = head.header("if-modified-since");
        sreq.has_range = head.count("range") > 0;
        sreq.range = head.header("range");
        sreq.if_range = head.header("if-range");
        sreq.accept_encoding = head.header("accept-encoding");
        const bool keep = req.keep_alive && !req.has_body;
        std::string extra;
        if (!keep) extra += "Connection: close\r\n";
        if (m_tls && m_hsts > 0) extra += "Strict-Transport-Security: max-age=" + std::to_string(m_hsts) + "\r\n";
        // Unconditional whole-file GET/HEAD: the small-file cache may answer (see its header).
        const bool cacheable = (req.is_head || req.method == "GET") && !sreq.has_range && sreq.if_none_match.empty() &&
                               sreq.if_modified_since.empty() && sreq.if_range.empty();
        const auto variant = route.files->options().precompressed ? sreq.accept_encoding : std::string_view{};
        const auto now = pool::now_ms();
        if (cacheable) {
            if (const auto* hit = m_worker.small_files().find(route.files, sreq.path, variant, now)) {
                note_status(200);
                co_return co_await send_cached(hit->head(), extra, req.is_head ? std::string_view{} : hit->body()) && keep;
            }
        }
        auto response = route.files->respond(sreq);
        m_x->out.clear();
        response.append_head(m_x->out);
        const std::size_t lines = m_x->out.size() - 2;  // without the blank line
        m_x->out.insert(lines, extra);
        note_status(response.status);
        if (!response.send_body || (!response.file.valid() && response.body.empty())) {
            co_return co_await write_client(m_x->out) && keep;
        }
        if (!response.file.valid()) {
            std::vector<asio::const_buffer> buffers{asio::buffer(m_x->out), asio::buffer(response.body)};
            co_return co_await write_client(buffers) && keep;
        }
        if (response.length <= kInlineFileBytes) {
            bool inlined = false;
            if (!co_await send_small_file(response, inlined)) co_return false;
            if (inlined && cacheable && response.status == 200) {
                const auto& out = m_x->out;
                const auto body = std::string_view(m_buffer.get() + m_filled + out.size(), response.length);
                m_worker.small_files().store(route.files, sreq.path, variant, std::string_view(out).substr(0, lines),
                                             body, now);
            }
            co_return keep;
        }
        if (!co_await write_client(m_x->out)) co_return false;
        co_return co_await send_file(response.file.get(), response.offset, response.length) && keep;
    }

    // Small files go out with their head in one contiguous write: one TCP segment (head then
    // sendfile meant two, with TCP_NODELAY) and, on TLS, one record instead of two. The read
    // buffer's free tail holds them; pipelined request bytes before it stay untouched.
    static constexpr std::uint64_t kInlineFileBytes = 16 * 1024;

    // A cached answer: its head lines, this connection's own lines, the blank line, the body;
    // contiguous when the buffer has room (one segment, one TLS record).
    awaitable<bool> send_cached(std::string_view lines, std::string_view extra, std::string_view body) {
        ensure_buffer();
        const std::size_t total = lines.size() + extra.size() + 2 + body.size();
        if (m_worker.buffers().size() - m_filled < total) {
            auto& iov = m_x->iov;
            iov.clear();
            for (const auto piece : {lines, extra, std::string_view("\r\n"), body}) iov.push_back(asio::buffer(piece));
            co_return co_await write_client(iov);
        }
        char* out = m_buffer.get() + m_filled;
        char* at = out;
        for (const auto piece : {lines, extra, std::string_view("\r\n"), body}) {
            // An empty file's body is a null view, and memcpy from null is undefined even for 0 bytes.
            if (piece.empty()) continue;
            std::memcpy(at, piece.data(), piece.size());
            at += piece.size();
        }
        co_return co_await write_client(std::string_view(out, total));
    }

    // `inlined`: the head and the file's bytes went out from the buffer (and are still there).
    awaitable<bool> send_small_file(const static_files::StaticResponse& response, bool& inlined) {
        ensure_buffer();
        const auto& head = m_x->out;
        const std::size_t at = m_filled;
        const std::size_t length = static_cast<std::size_t>(response.length);
        if (m_worker.buffers().size() - at < head.size() + length) {
            if (!co_await write_client(head)) co_return false;
            co_return co_await send_file(response.file.get(), response.offset, response.length);
        }
        char* out = m_buffer.get() + at;
        std::memcpy(out, head.data(), head.size());
        std::size_t got = 0;
        while (got < length) {
            const auto n = ::pread(response.file.get(), out + head.size() + got, length - got,
                                   response.offset + static_cast<off_t>(got));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) co_return false;  // the file shrank under us: the length we sent is a lie
            got += static_cast<std::size_t>(n);
        }
        inlined = true;
        co_return co_await write_client(std::string_view(out, head.size() + length));
    }

    awaitable<bool> send_file(int fd, off_t offset, std::uint64_t length) {
        if constexpr (std::is_same_v<Stream, tcp::socket>) {
            // sendfile, run by the reactor (file_sender.h): no EAGAIN probe, no re-arm per wait.
            // 2 MiB at most per call, as nginx's sendfile_max_chunk: a bound on how long one
            // connection holds the loop.
            constexpr std::uint64_t kChunk = 2u << 20;
            auto& socket = lowest(m_stream);
            if (length > kLargeFileBytes && !m_large_send_buffer) widen_send_buffer(socket);
            while (length > 0) {
                arm(Phase::client_write, m_server.options().send_timeout_ms);
                asio::error_code ec;
                const auto n = co_await m_worker.file_sender().send_some(
                    socket, fd, offset, static_cast<std::size_t>(std::min(length, kChunk)),
                    asio::redirect_error(asio::use_awaitable, ec));
                disarm();
                if (ec || n == 0) co_return false;  // error, or the file shrank under us
                offset += static_cast<off_t>(n);
                length -= n;
                add(m_listener_stats->bytes_out, n);
                m_sent += n;
            }
            co_return true;
        } else {
            ensure_buffer();
            // TLS: read into our buffer and encrypt; pipelined bytes may sit at the front.
            const std::size_t reserved = m_filled;
            const std::size_t room = m_worker.buffers().size() - reserved;
            while (length > 0) {
                const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(length, room));
                const auto n = ::pread(fd, m_buffer.get() + reserved, chunk, offset);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) co_return false;
                offset += n;
                length -= static_cast<std::uint64_t>(n);
                if (!co_await write_client(std::string_view(m_buffer.get() + reserved, static_cast<std::size_t>(n)))) co_return false;
            }
            co_return true;
        }
    }

    // A file larger than the send buffer's autotuned cap (tcp_wmem: 4 MiB) is sent through a
    // buffer twice that size (the kernel doubles the 4 MiB asked for). Each wake-up then finds
    // about twice the room (epoll reports writability once half the queued bytes have gone),
    // so a download wakes the loop half as often: 75 → 41 wake-ups per 100 MiB
    // (tests/bench/profile.py --case static-large), and wake-ups are what a large file
    // costs us beyond the kernel's own work. The queued bytes are page-cache pages that
    // sendfile references rather than copies, so the larger cap costs little memory.
    static constexpr std::uint64_t kLargeFileBytes = 4u << 20;
    void widen_send_buffer(tcp::socket& socket) {
        m_large_send_buffer = true;
        asio::error_code ignored;  // best effort: the default buffer works, only more slowly
        socket.set_option(tcp::socket::send_buffer_size(static_cast<int>(kLargeFileBytes)), ignored);
    }

    // ---- proxying -------------------------------------------------------------------

    struct Attempt {
        bool connected = false;
        bool reused = false;
    };

    // A pooled connection, if there is one: the common case needs no coroutine (frame) at all.
    bool reuse_upstream(pool::PoolRuntime& pool, pool::ServerRuntime& server, bool replay_safe) {
        if (pool.config().keepalive.max_idle == 0) return false;
        auto idle = m_worker.take_idle(&server, replay_safe);
        if (!idle) return false;
        m_upstream.emplace(std::move(*idle));
        return true;
    }

    awaitable<bool> connect_upstream(pool::PoolRuntime& pool, pool::ServerRuntime& server) {
        const auto& cfg = pool.config();
        m_upstream.emplace(m_worker.io());
        arm(Phase::upstream_connect, cfg.connect_timeout_ms);
        asio::error_code ec;
        co_await m_upstream->async_connect(server.endpoint(), asio::redirect_error(asio::use_awaitable, ec));
        disarm();
        if (ec) {
            asio::error_code ignored;
            m_upstream->close(ignored);
            m_upstream.reset();
            co_return false;
        }
        m_upstream->set_option(tcp::no_delay(true), ec);
        co_return true;
    }

    void drop_upstream() {
        if (m_upstream) {
            asio::error_code ec;
            m_upstream->close(ec);
            m_upstream.reset();
        }
    }

    // The request body, streamed: what is in the buffer, then reads from the client. Chunked
    // bodies are re-chunked from the decoded pieces; trailers are dropped.
    awaitable<bool> forward_body(pool::PoolRuntime& pool, pool::ServerRuntime& server, const RequestInfo& req,
                                 bool& client_failed) {
        std::vector<std::string_view> pieces;
        std::vector<asio::const_buffer> buffers;
        std::string sizes;
        while (true) {
            pieces.clear();
            auto result = m_x->request.feed_body(m_buffer.get() + m_start, m_filled - m_start, pieces);
            if (result.status == http::HttpParser::Status::error) {
                client_failed = true;
                co_return false;
            }
            m_start += result.consumed;
            add(pool.stats().bytes_in, result.consumed);
            const bool done = result.status == http::HttpParser::Status::message_complete;
            buffers.clear();
            sizes.clear();
            if (req.chunked) {
                // Sizes first (no reallocation while buffers point into `sizes`).
                sizes.reserve(pieces.size() * 12 + 8);
                std::vector<std::pair<std::size_t, std::size_t>> spans;
                for (const auto& piece : pieces) {
                    char hex[20];
                    const int len = std::snprintf(hex, sizeof hex, "%zx\r\n", piece.size());
                    spans.emplace_back(sizes.size(), static_cast<std::size_t>(len));
                    sizes.append(hex, static_cast<std::size_t>(len));
                }
                const auto final_at = sizes.size();
                if (done) sizes.append("0\r\n\r\n");
                for (std::size_t i = 0; i < pieces.size(); ++i) {
                    buffers.push_back(asio::buffer(sizes.data() + spans[i].first, spans[i].second));
                    buffers.push_back(asio::buffer(pieces[i]));
                    buffers.push_back(asio::buffer("\r\n", 2));
                }
                if (done) buffers.push_back(asio::buffer(sizes.data() + final_at, 5));
            } else {
                for (const auto& piece : pieces) buffers.push_back(asio::buffer(piece));
            }
            if (!buffers.empty()) {
                arm(Phase::upstream_io, m_current_pool_timeout);
                asio::error_code ec;
                const auto n = co_await asio::async_write(*m_upstream, buffers, asio::redirect_error(asio::use_awaitable, ec));
                disarm();
                count_to_upstream(server, n);
                if (ec) co_return false;
                m_body_sent = true;
            }
            if (done) co_return true;
            // Everything consumed: read more of the body.
            m_start = m_filled = 0;
            asio::error_code ec;
            const auto n = co_await read_client(Phase::client_body, m_server.options().body_timeout_ms, ec);
            if (ec || n == 0) {
                client_failed = true;
                co_return false;
            }
        }
    }

    awaitable<bool> proxy(pool::PoolRuntime& pool, RequestInfo& req) {
        const auto& cfg = pool.config();
        const auto& head = m_x->request.head();
        m_current_pool_timeout = cfg.response_timeout_ms;
        pool::SelectInput input;
        input.client_ip = m_client_ip;
        std::string key;
        if (cfg.balance == config::Balance::hash && cfg.hash_key) {
            switch (cfg.hash_key->kind) {
                case config::HashKey::Kind::uri: key.assign(head.target); break;
                case config::HashKey::Kind::header: key.assign(head.header(cfg.hash_key->name)); break;
                case config::HashKey::Kind::cookie: key.assign(cookie_value(head.header("cookie"), cfg.hash_key->name)); break;
            }
        }
        input.hash_key = key;

        // The upstream head, built once (the request head's views die with the next read).
        http::UpstreamRequestOptions options;
        options.client_ip = m_client_ip;
        options.scheme = m_tls ? "https" : "http";
        options.keep_alive = cfg.keepalive.max_idle > 0;
        options.upgrade = req.upgrade;
        m_x->upstream_head.clear();
        http::build_upstream_request(head, options, m_x->upstream_head);
        const bool expect_continue = http::iequals(head.header(http::FieldName::expect), "100-continue");
        add(pool.stats().requests);
        // From here every byte to or from this client is this pool's, the proxy's own answers
        // included: a pool's bytes are what its clients sent and got (ADMIN.md).
        m_pool_stats = &pool.stats();
        add(pool.stats().bytes_in, m_head_bytes);

        if (expect_continue && req.has_body && req.http11) {
            // We read the body ourselves, so we invite it ourselves.
            if (!co_await write_client(std::string_view("HTTP/1.1 100 Continue\r\n\r\n"))) co_return false;
        }

        int replays = 0;  // sends repeated after the request reached a server
        m_body_sent = false;
        const auto started = Clock::now();
        // The server whose failed attempt sent the request back to selection: a retry if
        // another attempt follows, else the server whose failure the client's 502 reports.
        std::shared_ptr<pool::ServerRuntime> failed;
        while (true) {
            const auto selection = pool.select(input);
            if (!selection.server) {
                const bool none = selection.reason == pool::NoServer::no_servers;
                const int status = none ? 503 : 502;
                // Named, not a temporary: GCC 12 mis-destroys temporaries of a conditional
                // expression inside co_await.
                std::string detail = "pool '" + cfg.name + "' ";
                detail += none ? "has no active server" : "has no server up (all down or failed)";
                co_await respond_error(status, detail, req.keep_alive && !req.has_body);
                pool.stats().count_status(status);
                if (failed) failed->stats.count_status(status);
                co_return req.keep_alive && !req.has_body;
            }
            if (failed) {
                count_retry(pool, *failed);
                failed.reset();
            }
            auto server_ptr = pool.servers()[selection.index];  // pins the server for this request
            auto& server = *server_ptr;
            m_log_upstream = server.address();  // m_snapshot keeps the server alive
            InFlight in_flight(&server);
            add(server.stats.requests);
            // A stale pooled connection costs a GET or HEAD only a retry (below), so those
            // skip the probe of a recently parked one.
            const bool reused = reuse_upstream(pool, server, req.idempotent && !req.has_body);
            if (!reused && !co_await connect_upstream(pool, server)) {
                // Nothing was sent: always safe to move on.
                count_failure(pool, server);
                if (selection.index < 64) input.tried |= 1ull << selection.index;
                failed = std::move(server_ptr);
                continue;
            }
            // Send the head.
            arm(Phase::upstream_io, cfg.response_timeout_ms);
            IoResult head_sent;
            co_await direct(head_sent, [&](auto handler) {
                asio::async_write(*m_upstream, asio::buffer(m_x->upstream_head), std::move(handler));
            });
            disarm();
            count_to_upstream(server, head_sent.bytes);
            bool client_failed = false;
            bool sent_ok = !head_sent.ec;
            if (sent_ok && req.has_body) {
                compact();
                sent_ok = co_await forward_body(pool, server, req, client_failed);
            }
            if (client_failed) {
                drop_upstream();
                co_await respond_error(400, "the request body was malformed or incomplete", false);
                pool.stats().count_status(400);
                co_return false;
            }
            bool got_byte = false;
            int outcome = sent_ok ? co_await relay_response(pool, server, req, got_byte) : -1;
            if (outcome >= 0) {
                server.report_success();
                const auto elapsed = static_cast<std::uint64_t>(micros_since(started));
                server.stats.latency.record(elapsed);
                pool.stats().latency.record(elapsed);
                co_return outcome == 1;
            }
            // Failed before (or while) the response.
            const bool timed_out = m_timed_out == Phase::upstream_io;
            drop_upstream();
            // A pooled connection that died before answering says nothing about the server
            // now (it closed that connection while idle); the retry's fresh one will.
            if (!(reused && !got_byte && !timed_out)) count_failure(pool, server);
            if (got_byte) co_return false;  // the client already has part of an answer
            // A stale keep-alive connection closed under us, or a failure before any
            // response byte: idempotent bodyless requests may go once more elsewhere; a
            // non-idempotent request is never replayed once sent.
            // A reused keep-alive connection that failed is the stale-connection case (the
            // server closed it, e.g. its host rebooted): it does not use up the one replay,
            // or the replay itself may land on another stale connection of the same dead
            // host and fail the request. Bounded: each such failure drops that connection.
            if (req.idempotent && !req.has_body && (reused || replays < 1) && !timed_out) {
                if (!reused) ++replays;
                if (selection.index < 64 && !reused) input.tried |= 1ull << selection.index;
                failed = std::move(server_ptr);
                continue;
            }
            const int status = timed_out ? 504 : 502;
            const std::string_view detail = timed_out ? std::string_view("the upstream server did not answer in time")
                                                      : std::string_view("the upstream server failed before answering");
            co_await respond_error(status, detail, false);
            pool.stats().count_status(status);
            server.stats.count_status(status);
            co_return false;
        }
    }

    // A server's bytes are the upstream side (bytes_in what went to it, bytes_out what came
    // back); its pool's are the client side, counted where the client's bytes are (ADMIN.md).
    // The listener counts the failures and retries of the requests it accepted. Relaxed adds
    // only, on the hot path.
    void count_to_upstream(pool::ServerRuntime& server, std::size_t n) { add(server.stats.bytes_in, n); }
    void count_from_upstream(pool::ServerRuntime& server, std::size_t n) { add(server.stats.bytes_out, n); }
    // A failure that counts against the server (passive health); the server's own counter is
    // added by report_failure.
    void count_failure(pool::PoolRuntime& pool, pool::ServerRuntime& server) {
        const auto& cfg = pool.config();
        server.report_failure(pool::now_ms(), cfg.max_fails, cfg.fail_timeout_ms);
        add(pool.stats().failures);
        add(m_listener_stats->failures);
    }
    // Only once another attempt follows: a failure after which no server is left ends in the
    // client's 502 instead, counted on that server.
    void count_retry(pool::PoolRuntime& pool, pool::ServerRuntime& server) {
        add(server.stats.retries);
        add(pool.stats().retries);
        add(m_listener_stats->retries);
    }

    // Not a coroutine, and awaited without a frame of its own (direct_await.h): the caller
    // awaits the read itself. Arms the response timeout; the caller disarms.
    auto read_upstream(std::uint64_t timeout_ms, IoResult& result) {
        arm(Phase::upstream_io, timeout_ms);
        const auto buffer = asio::buffer(m_upstream_buffer.get() + m_up_filled, m_worker.buffers().size() - m_up_filled);
        return direct(result, [this, buffer](auto handler) {
            m_worker.reader().read_some(*m_upstream, buffer, std::move(handler));
        });
    }

    // Returns 1 (done, client keep-alive), 0 (done, close client), -1 (failed: nothing or
    // part was sent to the client; `got_byte` says which).
    awaitable<int> relay_response(pool::PoolRuntime& pool, pool::ServerRuntime& server, const RequestInfo& req,
                                  bool& got_byte) {
        const auto& cfg = pool.config();
        if (!m_upstream_buffer) m_upstream_buffer = m_worker.buffers().take();
        m_up_filled = 0;
        std::size_t up_start = 0;
        while (true) {  // 1xx responses are skipped
            m_x->response.start(m_upstream_buffer.get() + up_start);
            m_x->response.expect_no_body(req.is_head);
            std::size_t parsed = up_start;
            http::HttpParser::Result result;
            while (true) {
                if (parsed < m_up_filled) {
                    result = m_x->response.feed_head(m_upstream_buffer.get() + parsed, m_up_filled - parsed);
                    parsed += result.consumed;
                    if (result.status != http::HttpParser::Status::need_more) break;
                }
                if (m_up_filled >= m_worker.buffers().size()) co_return -1;
                IoResult read;
                co_await read_upstream(cfg.response_timeout_ms, read);
                disarm();
                m_up_filled += read.bytes;
                count_from_upstream(server, read.bytes);
                if (read.ec || read.bytes == 0) co_return -1;
            }
            if (result.status == http::HttpParser::Status::error) co_return -1;
            const auto status = m_x->response.head().status;
            if (status >= 100 && status < 200 && status != 101) {
                // Informational: dropped (we sent our own 100 Continue), keep reading.
                up_start = parsed;
                if (result.status != http::HttpParser::Status::message_complete) co_return -1;
                continue;
            }
            up_start = parsed;
            break;
        }
        const auto& head = m_x->response.head();
        got_byte = true;
        note_status(head.status);
        server.stats.count_status(head.status);
        pool.stats().count_status(head.status);
        const bool upgrade = head.status == 101 && req.upgrade;
        if (head.status == 101 && !req.upgrade) co_return -1;
        const bool dechunk = head.chunked && !req.http11;
        const bool until_eof = m_x->response.body_until_eof();
        const bool client_keep = req.keep_alive && !until_eof && !upgrade && m_keep_going && !m_server.stopping();
        http::ClientResponseOptions options;
        options.keep_alive = client_keep;
        options.client_http11 = req.http11;
        options.dechunk = dechunk;
        options.upgrade = upgrade;
        options.hsts_max_age = m_tls ? m_hsts : 0;
        http::build_client_response(head, options, m_x->out);
        // Head views are dead after the next upstream read; nothing below uses them.
        const bool upstream_keep = head.keep_alive && !until_eof && !upgrade && cfg.keepalive.max_idle > 0;
        std::size_t body_at = up_start;
        bool done = m_x->response.message_done();
        // Members, so their capacity carries over from one response to the next.
        auto& buffers = m_x->iov;
        auto& pieces = m_x->pieces;
        buffers.clear();
        buffers.push_back(asio::buffer(m_x->out));
        if (upgrade) {
            if (m_up_filled > body_at) buffers.push_back(asio::buffer(m_upstream_buffer.get() + body_at, m_up_filled - body_at));
            if (!co_await write_client(buffers)) co_return 0;
            co_await tunnel(pool, server);
            co_return 0;
        }
        bool extra_bytes = false;
        while (true) {
            if (!done && m_up_filled > body_at) {
                pieces.clear();
                const auto result = m_x->response.feed_body(m_upstream_buffer.get() + body_at, m_up_filled - body_at, pieces);
                if (result.status == http::HttpParser::Status::error) {
                    if (buffers.size() > 0 && !co_await write_client(buffers)) co_return 0;
                    co_return 0;  // malformed body mid-way: the client's response is cut
                }
                if (dechunk) {
                    for (const auto& piece : pieces) buffers.push_back(asio::buffer(piece));
                } else if (result.consumed > 0) {
                    buffers.push_back(asio::buffer(m_upstream_buffer.get() + body_at, result.consumed));
                }
                body_at += result.consumed;
                done = result.status == http::HttpParser::Status::message_complete;
            }
            if (done && m_up_filled > body_at) extra_bytes = true;
            if (!buffers.empty()) {
                // Awaited here rather than through write_client(): one coroutine frame less
                // on every response.
                arm(Phase::client_write, m_server.options().send_timeout_ms);
                IoResult wrote;
                co_await direct(wrote, [&](auto handler) {
                    asio::async_write(m_stream, std::span<const asio::const_buffer>(buffers), std::move(handler));
                });
                wrote_client(wrote.bytes);
                if (wrote.ec) {
                    drop_upstream();
                    co_return 0;
                }
                buffers.clear();
            }
            if (done) break;
            m_up_filled = body_at = 0;
            IoResult read;
            co_await read_upstream(cfg.response_timeout_ms, read);
            disarm();
            m_up_filled += read.bytes;
            count_from_upstream(server, read.bytes);
            if (read.ec || read.bytes == 0) {
                if (!read.ec || read.ec == asio::error::eof) {
                    if (m_x->response.finish().status == http::HttpParser::Status::message_complete) {
                        drop_upstream();
                        co_return 0;  // close-delimited body ended; the client's must close too
                    }
                }
                drop_upstream();
                co_return 0;  // truncated: closing tells the client
            }
        }
        if (upstream_keep && !extra_bytes && m_upstream) {
            m_worker.put_idle(pool.servers()[index_of(pool, server)], std::move(*m_upstream), cfg.keepalive.max_idle,
                              cfg.keepalive.idle_timeout_ms);
            m_upstream.reset();
        } else {
            drop_upstream();
        }
        m_worker.buffers().give(std::move(m_upstream_buffer));
        co_return client_keep ? 1 : 0;
    }

    static std::size_t index_of(pool::PoolRuntime& pool, pool::ServerRuntime& server) {
        const auto& servers = pool.servers();
        for (std::size_t i = 0; i < servers.size(); ++i) {
            if (servers[i].get() == &server) return i;
        }
        return 0;
    }

    // WebSocket (or any 101 upgrade): bytes both ways until either side closes.
    awaitable<void> tunnel(pool::PoolRuntime& pool, pool::ServerRuntime& server) {
        using namespace asio::experimental::awaitable_operators;
        // Bytes the client sent after its upgrade request go first.
        if (m_filled > m_start) {
            add(pool.stats().bytes_in, m_filled - m_start);
            asio::error_code ec;
            const auto n = co_await asio::async_write(*m_upstream, asio::buffer(m_buffer.get() + m_start, m_filled - m_start),
                                                      asio::redirect_error(asio::use_awaitable, ec));
            count_to_upstream(server, n);
            if (ec) co_return;
        }
        m_start = m_filled = 0;
        co_await (pump_client_to_upstream(pool, server) || pump_upstream_to_client(pool, server));
        drop_upstream();
    }

    awaitable<void> pump_client_to_upstream(pool::PoolRuntime& pool, pool::ServerRuntime& server) {
        char data[16384];
        while (true) {
            asio::error_code ec;
            const auto n = co_await m_stream.async_read_some(asio::buffer(data), asio::redirect_error(asio::use_awaitable, ec));
            if (ec || n == 0) co_return;
            add(m_listener_stats->bytes_in, n);
            add(pool.stats().bytes_in, n);
            const auto sent = co_await asio::async_write(*m_upstream, asio::buffer(data, n), asio::redirect_error(asio::use_awaitable, ec));
            count_to_upstream(server, sent);
            if (ec) co_return;
        }
    }

    awaitable<void> pump_upstream_to_client(pool::PoolRuntime& pool, pool::ServerRuntime& server) {
        char data[16384];
        while (true) {
            asio::error_code ec;
            const auto n = co_await m_upstream->async_read_some(asio::buffer(data), asio::redirect_error(asio::use_awaitable, ec));
            if (ec || n == 0) co_return;
            count_from_upstream(server, n);
            co_await asio::async_write(m_stream, asio::buffer(data, n), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            add(m_listener_stats->bytes_out, n);
            add(pool.stats().bytes_out, n);
            m_sent += n;
        }
    }

    // Keeps the SNI callback's context alive for as long as this connection's SSL is.
    std::shared_ptr<const tls::ServerContext> m_tls_context;
    Worker& m_worker;
    ProxyServer& m_server;
    Stream m_stream;
    std::string m_listener_name;
    std::string m_listener_key;
    std::shared_ptr<TrafficStats> m_listener_stats;
    bool m_tls;
    bool m_redirect;
    std::uint16_t m_https_port;
    std::uint64_t m_hsts;
    std::string m_client_ip;

    Clock::time_point m_deadline{};
    Phase m_phase = Phase::none;
    Phase m_timed_out = Phase::none;
    bool m_closed = false;
    bool m_keep_going = true;
    bool m_first = true;  // no request answered yet: the header timeout applies to the wait
    bool m_large_send_buffer = false;  // widen_send_buffer() done

    std::unique_ptr<char[]> m_buffer;
    std::size_t m_start = 0;
    std::size_t m_filled = 0;
    std::unique_ptr<Exchange> m_x;  // while a request is in progress
    int m_status = 0;
    std::shared_ptr<const Snapshot> m_snapshot;
    std::uint64_t m_sent = 0;            // bytes to the client for the current request
    std::size_t m_head_bytes = 0;        // the current request's head, as the client sent it
    TrafficStats* m_pool_stats = nullptr;  // the current request's pool, once routed to one (m_snapshot keeps it)
    std::string_view m_log_upstream;     // the server that got it last (owned by m_snapshot)

    std::optional<tcp::socket> m_upstream;
    std::unique_ptr<char[]> m_upstream_buffer;
    std::size_t m_up_filled = 0;
    std::uint64_t m_current_pool_timeout = 60000;
    bool m_body_sent = false;
};

}  // namespace

void start_session(Worker& worker, tcp::socket socket, const tcp::endpoint& peer, const ListenerRuntime& listener) {
    if (listener.tls) {
        auto context = listener.tls->current();
        auto ssl = context->new_ssl();
        if (!ssl) return;
        TlsStream stream(std::move(socket), ssl.release());
        std::make_shared<Session<TlsStream>>(worker, std::move(stream), peer, listener, std::move(context))->start();
    } else {
        std::make_shared<Session<tcp::socket>>(worker, std::move(socket), peer, listener)->start();
    }
}

}  // namespace fulcrum::proxy::server
