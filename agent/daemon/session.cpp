#include "agent/daemon/session.h"

#include "agent/daemon/dispatcher.h"
#include "agent/daemon/log.h"

namespace fulcrum::agent {

using protocol::ErrorCode;

Session::Session(asio::local::stream_protocol::socket socket, Dispatcher& dispatcher, std::uint64_t id)
    : m_socket(std::move(socket)), m_dispatcher(dispatcher), m_id(id) {}

Session::~Session() = default;

void Session::start() { read_more(); }

void Session::read_more() {
    if (!m_open) return;
    m_socket.async_read_some(asio::buffer(m_read_buffer),
                             [self = shared_from_this()](const asio::error_code& error, std::size_t bytes) {
                                 if (error == asio::error::eof) {
                                     self->m_peer_done = true;
                                     self->close_if_finished();
                                     return;
                                 }
                                 if (error) {
                                     self->close();
                                     return;
                                 }
                                 self->m_decoder.feed(std::string_view(self->m_read_buffer.data(), bytes));
                                 while (self->m_open) {
                                     auto line = self->m_decoder.next();
                                     if (!line) break;
                                     if (const auto* text = std::get_if<std::string>(&*line)) {
                                         self->handle_line(*text);
                                     } else {
                                         const auto& report = std::get<protocol::LineTooLong>(*line);
                                         self->send(protocol::Response::failure(
                                             nullptr, protocol::Error::make(ErrorCode::MessageTooLarge,
                                                                            "line longer than " +
                                                                                std::to_string(report.limit) +
                                                                                " bytes was discarded")));
                                     }
                                 }
                                 self->read_more();
                             });
}

void Session::handle_line(const std::string& line) {
    protocol::Message message = protocol::decode_message(line);
    if (auto* request = std::get_if<protocol::Request>(&message)) {
        m_dispatcher.dispatch(shared_from_this(), std::move(*request));
    } else if (auto* failure = std::get_if<protocol::DecodeFailure>(&message)) {
        send(protocol::Response::failure(failure->id, failure->error));
    }
    // Notifications and responses from a client carry nothing the daemon acts on.
}

void Session::send(const protocol::Response& response) { queue(protocol::encode(response)); }
void Session::send(const protocol::Notification& notification) { queue(protocol::encode(notification)); }

void Session::queue(std::string line) {
    if (!m_open) return;
    if (m_queued_bytes + line.size() > kMaxQueuedBytes) {
        log_warning("session " + std::to_string(m_id) + ": client is not reading its answers; disconnecting");
        close();
        return;
    }
    m_queued_bytes += line.size();
    m_outbox.push_back(std::move(line));
    if (!m_writing) write_more();
}

void Session::call_finished() {
    --m_pending_calls;
    close_if_finished();
}

void Session::close_if_finished() {
    if (m_peer_done && m_pending_calls == 0 && m_outbox.empty()) close();
}

void Session::write_more() {
    if (m_outbox.empty() || !m_open) {
        m_writing = false;
        close_if_finished();
        return;
    }
    m_writing = true;
    asio::async_write(m_socket, asio::buffer(m_outbox.front()),
                      [self = shared_from_this()](const asio::error_code& error, std::size_t) {
                          if (error) {
                              self->close();
                              return;
                          }
                          self->m_queued_bytes -= self->m_outbox.front().size();
                          self->m_outbox.pop_front();
                          self->write_more();
                      });
}

void Session::add_subscription(std::int64_t subscription, std::function<void()> cancel) {
    m_subscriptions[subscription] = std::move(cancel);
}

bool Session::cancel_subscription(std::int64_t subscription) {
    auto it = m_subscriptions.find(subscription);
    if (it == m_subscriptions.end()) return false;
    auto cancel = std::move(it->second);
    m_subscriptions.erase(it);
    if (cancel) cancel();
    return true;
}

void Session::close() {
    if (!m_open) return;
    m_open = false;
    asio::error_code ignored;
    m_socket.shutdown(asio::socket_base::shutdown_both, ignored);
    m_socket.close(ignored);
    auto subscriptions = std::move(m_subscriptions);
    m_subscriptions.clear();
    for (auto& [id, cancel] : subscriptions) {
        if (cancel) cancel();
    }
    m_dispatcher.session_closed(m_id);
}

}  // namespace fulcrum::agent
