#pragma once
// Routes requests to handlers by method name, decodes params with the protocol's types,
// enforces agent.hello first, and turns handler failures into JSON-RPC errors so no input
// can take the daemon down.

#include "agent/daemon/session.h"
#include "agent/protocol/rpc.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace fulcrum::agent {

class Dispatcher {
public:
    template <class M>
    using Reply = std::function<void(protocol::Outcome<typename M::Result>)>;

    // A handler that answers at once.
    template <class M>
    void on(std::function<protocol::Outcome<typename M::Result>(Session&, const typename M::Params&)> handler) {
        m_handlers[std::string(M::name)] = [handler = std::move(handler)](const std::shared_ptr<Session>& session,
                                                                        const nlohmann::json& raw, RawReply reply) {
            auto params = protocol::decode_params<M>(raw);
            if (!params) return reply(params.error());
            auto result = handler(*session, params.value());
            if (!result) return reply(result.error());
            reply(nlohmann::json(result.value()));
        };
    }

    // A handler that answers later (waits for a process, a timer, the proxy). It must call
    // reply exactly once.
    template <class M>
    void on_async(std::function<void(const std::shared_ptr<Session>&, const typename M::Params&, Reply<M>)> handler) {
        m_handlers[std::string(M::name)] = [handler = std::move(handler)](const std::shared_ptr<Session>& session,
                                                                        const nlohmann::json& raw, RawReply reply) {
            auto params = protocol::decode_params<M>(raw);
            if (!params) return reply(params.error());
            handler(session, params.value(), [reply](protocol::Outcome<typename M::Result> result) {
                if (!result) return reply(result.error());
                reply(nlohmann::json(result.value()));
            });
        };
    }

    void dispatch(const std::shared_ptr<Session>& session, protocol::Request request);

    // Sessions register so state notifications reach every greeted client.
    void session_opened(const std::shared_ptr<Session>& session);
    void session_closed(std::uint64_t id);
    void broadcast(const protocol::Notification& notification);
    std::size_t session_count() const { return m_sessions.size(); }
    void close_all();

private:
    using RawReply = std::function<void(protocol::Outcome<nlohmann::json>)>;
    using RawHandler = std::function<void(const std::shared_ptr<Session>&, const nlohmann::json&, RawReply)>;

    std::unordered_map<std::string, RawHandler> m_handlers;
    std::map<std::uint64_t, std::weak_ptr<Session>> m_sessions;
};

}  // namespace fulcrum::agent
