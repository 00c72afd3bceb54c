#include "agent/daemon/dispatcher.h"

#include "agent/daemon/log.h"

#include <utility>

namespace fulcrum::agent {

using protocol::Error;
using protocol::ErrorCode;

void Dispatcher::dispatch(const std::shared_ptr<Session>& session, protocol::Request request) {
    const auto it = m_handlers.find(request.method);
    session->call_started();
    // The reply holds the session: a client that half-closed after asking (the rpc bridge when
    // its stdin ends) has no read pending any more, and the session must live until its last
    // answer is written (Session::close_if_finished). A session closed meanwhile drops it.
    auto reply = [target = session, id = request.id, answered = std::make_shared<bool>(false)](
                     protocol::Outcome<nlohmann::json> outcome) {
        if (std::exchange(*answered, true)) return;
        target->send(outcome ? protocol::Response::success(id, std::move(outcome.value()))
                             : protocol::Response::failure(id, outcome.error()));
        target->call_finished();
    };
    if (it == m_handlers.end()) {
        return reply(Error::make(ErrorCode::MethodNotFound, "unknown method \"" + request.method + "\""));
    }
    if (!session->greeted() && request.method != protocol::method::AgentHello::name) {
        return reply(Error::make(ErrorCode::HelloRequired, "call agent.hello first"));
    }
    try {
        it->second(session, request.params, reply);
    } catch (const std::exception& e) {
        log_error("handler for " + request.method + " failed: " + e.what());
        reply(Error::make(ErrorCode::InternalError, request.method + " failed inside the agent: " + e.what()));
    }
}

void Dispatcher::session_opened(const std::shared_ptr<Session>& session) { m_sessions[session->id()] = session; }

void Dispatcher::session_closed(std::uint64_t id) { m_sessions.erase(id); }

void Dispatcher::broadcast(const protocol::Notification& notification) {
    const std::string line = protocol::encode(notification);
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        auto session = it->second.lock();
        ++it;  // send() may close the session, which erases its entry
        if (session && session->greeted()) session->send_line(line);
    }
}

void Dispatcher::close_all() {
    auto sessions = m_sessions;
    for (auto& [id, weak] : sessions) {
        if (auto session = weak.lock()) session->close();
    }
}

}  // namespace fulcrum::agent
