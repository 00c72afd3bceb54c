#pragma once
// Talks to the proxy's admin socket (proxy/admin/ADMIN.md) from the daemon's event loop:
// one connection per request, one JSON line out, one JSON line back, bounded in time and
// size. Never blocks the loop.

#include <asio.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace fulcrum::agent {

struct AdminAnswer {
    bool ok = false;             // the proxy answered {"ok": true}
    nlohmann::json body;         // the whole answer (null if there was none)
    std::string error;           // transport or proxy error, in words
};

// The answer a parsed line stands for: ok, or the proxy's error (or "refused").
AdminAnswer admin_answer_from(nlohmann::json body);

class AdminClient {
public:
    static constexpr std::size_t kMaxAnswerBytes = 16 * 1024 * 1024;

    AdminClient(asio::io_context& io, std::string socket_path) : m_io(io), m_path(std::move(socket_path)) {}

    // Sends `request` (an object; "id" is added) and calls `done` exactly once.
    void request(nlohmann::json request, std::chrono::milliseconds timeout, std::function<void(AdminAnswer)> done);
    const std::string& path() const { return m_path; }
    asio::io_context& io() const { return m_io; }

private:
    asio::io_context& m_io;
    std::string m_path;
    std::int64_t m_next_id = 1;
};

}  // namespace fulcrum::agent
