#pragma once
// One client connection on the daemon's Unix socket: reads lines, hands requests to the
// dispatcher, writes answers and notifications in order.

#include "agent/protocol/jsonrpc.h"
#include "agent/protocol/line_decoder.h"

#include <asio.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace fulcrum::agent {

class Dispatcher;

class Session : public std::enable_shared_from_this<Session> {
public:
    // A client that does not read its answers is disconnected once this much output is queued,
    // so one stuck panel cannot grow the daemon's memory.
    static constexpr std::size_t kMaxQueuedBytes = 32 * 1024 * 1024;

    Session(asio::local::stream_protocol::socket socket, Dispatcher& dispatcher, std::uint64_t id);
    ~Session();

    void start();
    void send(const protocol::Response& response);
    void send(const protocol::Notification& notification);
    // An already encoded line (a broadcast is encoded once for every session).
    void send_line(std::string line) { queue(std::move(line)); }
    void close();

    std::uint64_t id() const { return m_id; }
    bool open() const { return m_open; }
    bool greeted() const { return m_greeted; }
    void mark_greeted() { m_greeted = true; }

    // Requests being answered; a client that half-closes still gets every answer before the
    // session closes.
    void call_started() { ++m_pending_calls; }
    void call_finished();

    // Streams (logs.follow, metrics.subscribe) owned by this session; cancelled on close.
    void add_subscription(std::int64_t subscription, std::function<void()> cancel);
    bool cancel_subscription(std::int64_t subscription);

private:
    void read_more();
    void handle_line(const std::string& line);
    void queue(std::string line);
    void write_more();
    void close_if_finished();

    asio::local::stream_protocol::socket m_socket;
    Dispatcher& m_dispatcher;
    std::uint64_t m_id;
    protocol::LineDecoder m_decoder;
    std::array<char, 65536> m_read_buffer{};
    std::deque<std::string> m_outbox;
    std::size_t m_queued_bytes = 0;
    bool m_writing = false;
    bool m_open = true;
    bool m_greeted = false;
    bool m_peer_done = false;  // the client sent EOF
    int m_pending_calls = 0;
    std::unordered_map<std::int64_t, std::function<void()>> m_subscriptions;
};

}  // namespace fulcrum::agent
