#pragma once
// JSON-RPC 2.0 client of one fulcrum-agent, over any RpcTransport (local child or SSH channel).
//
//   client.call<protocol::method::WorkersList>({}, this, [](auto outcome) { ... });
//
// Every call gets exactly one callback: the agent's result, the agent's error, a timeout, or
// "connection lost". Nothing is ever re-sent: a call whose connection broke fails with
// isConnectionLost(), because it may or may not have been applied on the host, and sending it
// again could apply it twice. Lives in one thread (the GUI's); not thread-safe.
//
// Everything the agent sends is treated as hostile: lines are bounded, malformed messages are
// reported through protocolError() and dropped, unknown ids are ignored, result types are
// checked field by field (agent/protocol/rpc.h).

#include "agent/protocol/methods.h"
#include "agent/protocol/rpc.h"
#include "app/rpc/rpc_transport.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <chrono>
#include <functional>
#include <memory>

namespace fulcrum::protocol {
class LineDecoder;
}

namespace fulcrum::app {

inline constexpr std::chrono::milliseconds kDefaultCallTimeout{30000};

class RpcClient : public QObject {
    Q_OBJECT
public:
    explicit RpcClient(QObject* parent = nullptr);
    // Pending calls fail with isConnectionLost() (their context objects permitting).
    ~RpcClient() override;

    // Uses `transport` (not owned) from now on; the previous one's pending calls fail. The
    // client follows the transport's received/closed signals; calls made while the transport
    // is not open fail at once with isConnectionLost().
    void setTransport(RpcTransport* transport);
    RpcTransport* transport() const { return m_transport; }
    bool isOpen() const;

    // Sends M with `params`. `callback(protocol::Outcome<typename M::Result>)` runs once, later
    // (never inside call()), unless `context` is destroyed first. Returns the request id.
    template <class M, class Callback>
    qint64 call(const typename M::Params& params, QObject* context, Callback&& callback,
                std::chrono::milliseconds timeout = kDefaultCallTimeout) {
        QPointer<QObject> guard(context);
        const bool guarded = context != nullptr;
        return sendRequest(std::string(M::name), nlohmann::json(params), timeout,
                           [guard, guarded, cb = std::forward<Callback>(callback)](const protocol::Response& response) {
                               if (guarded && !guard) return;
                               cb(protocol::decode_result<M>(response));
                           });
    }

    // Forgets a pending call: its callback will not run (the agent may still apply it).
    void forget(qint64 id);
    // Fails every pending call now with `reason` (connection-lost kind).
    void failAll(const QString& reason);
    int pendingCount() const { return int(m_pending.size()); }
    // The method of a pending call, empty if none (for diagnostics and tests).
    QString pendingMethod(qint64 id) const;

    // Kinds of client-side failures, told apart from the agent's own errors by data.client.
    static bool isTimeout(const protocol::Error& error);
    static bool isConnectionLost(const protocol::Error& error);

    // Limits, for hostile or broken agents.
    static constexpr std::size_t kMaxLineBytes = 32 * 1024 * 1024;  // metrics.history can be large
    static constexpr int kMaxPendingCalls = 4096;
    static constexpr int kMaxProtocolErrors = 64;  // then the transport is closed

signals:
    // Every notification (also the typed ones below), for logging and generic consumers.
    void notificationReceived(const QString& method, const nlohmann::json& params);
    void workersChanged(const fulcrum::protocol::WorkersChanged& change);
    void configChanged(const fulcrum::protocol::ConfigChanged& change);
    void proxyChanged(const fulcrum::protocol::ProxyChanged& change);
    void metricsSample(const fulcrum::protocol::MetricsSampleNotification& sample);
    void logLine(const fulcrum::protocol::LogsLineNotification& line);
    // The agent sent something that is not a valid message; it was dropped.
    void protocolError(const QString& message);
    // The transport closed (the client failed every pending call first).
    void connectionLost(const QString& reason);

private:
    using Completion = std::function<void(const protocol::Response&)>;
    struct Pending {
        QString method;
        QDeadlineTimer deadline;
        std::chrono::milliseconds timeout;
        Completion completion;
    };

    qint64 sendRequest(std::string method, nlohmann::json params, std::chrono::milliseconds timeout, Completion completion);
    void onReceived(const QByteArray& bytes);
    void onClosed(const QString& reason);
    void handleLine(const std::string& line);
    void handleResponse(protocol::Response response);
    void handleNotification(const protocol::Notification& notification);
    void reportProtocolError(const QString& message);
    void expireCalls();
    void armTimer();
    void completeLater(Completion completion, protocol::Response response);

    QPointer<RpcTransport> m_transport;
    QList<QMetaObject::Connection> m_transportConnections;
    std::unique_ptr<protocol::LineDecoder> m_decoder;
    QHash<qint64, Pending> m_pending;
    qint64 m_nextId = 1;
    int m_protocolErrors = 0;
    QTimer m_timeoutTimer;
};

}  // namespace fulcrum::app
