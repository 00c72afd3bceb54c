#pragma once
// Base of the per-section controllers of one host: each loads its section's data when the
// host connects (and again after every reconnect), follows the agent's notifications, and
// turns the page's requests into RPC calls. All calls are asynchronous; an answer that
// arrives after the controller is gone is dropped (the controller is the call's context).

#include "app/rpc/host_session.h"
#include "app/rpc/rpc_client.h"

#include <QObject>
#include <QPointer>

#include <utility>

namespace fulcrum::ui {

class SectionPage;

class HostPart : public QObject {
    Q_OBJECT
public:
    HostPart(app::HostSession* session, QObject* parent = nullptr);

    // A new connection answered agent.hello: (re)load everything.
    virtual void connected() = 0;
    // The connection is gone; keep what is shown (marked stale by the page), stop live feeds.
    virtual void disconnected() {}

protected:
    app::HostSession* session() const { return m_session; }
    app::RpcClient* rpc() const { return m_session ? m_session->rpc() : nullptr; }
    bool isLocal() const { return m_session && m_session->endpoint().isLocal(); }
    bool isConnected() const { return m_session && m_session->state() == app::HostSession::State::Connected; }

    // True the first time only: the session keeps one RpcClient across reconnects, so its
    // notification signals are connected once.
    bool wireOnce() { return !std::exchange(m_wired, true); }

    template <class M, class Callback>
    void call(const typename M::Params& params, Callback&& callback) {
        if (auto* client = rpc()) client->call<M>(params, this, std::forward<Callback>(callback));
    }

    // Shows an agent error on `page` in plain words; MethodNotFound reads "not available yet
    // on this agent" so a missing feature is never mistaken for an empty host.
    static void showRpcError(SectionPage* page, const QString& what, const protocol::Error& error);

private:
    QPointer<app::HostSession> m_session;
    bool m_wired = false;
};

}  // namespace fulcrum::ui
