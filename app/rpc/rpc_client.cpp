#include "app/rpc/rpc_client.h"

#include "agent/protocol/line_decoder.h"

#include <algorithm>

namespace fulcrum::app {
namespace {

using protocol::Error;
using protocol::ErrorCode;
using protocol::Response;

constexpr const char* kClientTimeout = "timeout";
constexpr const char* kClientConnectionLost = "connection_lost";

Error clientError(const char* kind, QString message) {
    return Error::make(ErrorCode::Unavailable, message.toStdString(), {{"client", kind}});
}

QString truncatedForMessage(const std::string& text) {
    QString s = QString::fromUtf8(text.data(), qsizetype(std::min<std::size_t>(text.size(), 120)));
    if (text.size() > 120) s += QStringLiteral("…");
    return s;
}

}  // namespace

RpcClient::RpcClient(QObject* parent)
    : QObject(parent), m_decoder(std::make_unique<protocol::LineDecoder>(kMaxLineBytes)) {
    m_timeoutTimer.setSingleShot(true);
    m_timeoutTimer.setTimerType(Qt::CoarseTimer);
    connect(&m_timeoutTimer, &QTimer::timeout, this, &RpcClient::expireCalls);
}

RpcClient::~RpcClient() {
    // Callbacks still run so callers never wait forever; their context guards protect them.
    auto pending = std::exchange(m_pending, {});
    for (auto& call : pending) {
        call.completion(Response::failure(
            nullptr, clientError(kClientConnectionLost,
                                 QStringLiteral("The connection to the agent was closed before it answered %1.").arg(call.method))));
    }
}

void RpcClient::setTransport(RpcTransport* transport) {
    if (transport == m_transport) return;
    for (const auto& c : std::as_const(m_transportConnections)) disconnect(c);
    m_transportConnections.clear();
    if (m_transport && !m_pending.isEmpty()) failAll(QStringLiteral("The connection to the agent was replaced."));
    m_transport = transport;
    m_decoder = std::make_unique<protocol::LineDecoder>(kMaxLineBytes);
    m_protocolErrors = 0;
    if (!transport) return;
    m_transportConnections << connect(transport, &RpcTransport::received, this, &RpcClient::onReceived)
                           << connect(transport, &RpcTransport::closed, this, &RpcClient::onClosed)
                           << connect(transport, &RpcTransport::opened, this, [this] {
                                  // A fresh pipe: no half line of the previous one may leak into it.
                                  m_decoder = std::make_unique<protocol::LineDecoder>(kMaxLineBytes);
                                  m_protocolErrors = 0;
                              });
}

bool RpcClient::isOpen() const { return m_transport && m_transport->isOpen(); }

qint64 RpcClient::sendRequest(std::string method, nlohmann::json params, std::chrono::milliseconds timeout,
                              Completion completion) {
    const qint64 id = m_nextId++;
    const QString methodName = QString::fromStdString(method);
    if (!isOpen()) {
        completeLater(std::move(completion),
                      Response::failure(id, clientError(kClientConnectionLost,
                                                        QStringLiteral("Not connected to the agent; %1 was not sent.").arg(methodName))));
        return id;
    }
    if (m_pending.size() >= kMaxPendingCalls) {
        completeLater(std::move(completion),
                      Response::failure(id, clientError(kClientConnectionLost,
                                                        QStringLiteral("Too many calls are waiting for the agent; %1 was not sent.")
                                                            .arg(methodName))));
        return id;
    }
    const std::string line = protocol::encode(protocol::Request{id, std::move(method), std::move(params)});
    m_pending.insert(id, Pending{methodName, QDeadlineTimer(timeout), timeout, std::move(completion)});
    m_transport->send(QByteArray::fromStdString(line));
    armTimer();
    return id;
}

void RpcClient::completeLater(Completion completion, Response response) {
    QMetaObject::invokeMethod(
        this, [completion = std::move(completion), response = std::move(response)] { completion(response); },
        Qt::QueuedConnection);
}

void RpcClient::forget(qint64 id) {
    m_pending.remove(id);
    armTimer();
}

QString RpcClient::pendingMethod(qint64 id) const {
    const auto it = m_pending.constFind(id);
    return it == m_pending.cend() ? QString() : it->method;
}

void RpcClient::failAll(const QString& reason) {
    auto pending = std::exchange(m_pending, {});
    m_timeoutTimer.stop();
    for (auto it = pending.begin(); it != pending.end(); ++it) {
        it->completion(Response::failure(
            it.key(), clientError(kClientConnectionLost,
                                  QStringLiteral("%1 The agent did not answer %2; it may or may not have been applied, "
                                                 "and Fulcrum did not send it again.")
                                      .arg(reason, it->method))));
    }
}

bool RpcClient::isTimeout(const protocol::Error& error) {
    return error.data.is_object() && error.data.value("client", std::string()) == kClientTimeout;
}

bool RpcClient::isConnectionLost(const protocol::Error& error) {
    return error.data.is_object() && error.data.value("client", std::string()) == kClientConnectionLost;
}

void RpcClient::onReceived(const QByteArray& bytes) {
    // The decoder is replaced (not destroyed under us) only from setTransport/opened, which
    // cannot run inside this loop except through a callback; keep the current one alive.
    m_decoder->feed(std::string_view(bytes.constData(), std::size_t(bytes.size())));
    while (m_decoder) {
        auto next = m_decoder->next();
        if (!next) break;
        if (auto* tooLong = std::get_if<protocol::LineTooLong>(&*next)) {
            reportProtocolError(QStringLiteral("The agent sent a message longer than %1 bytes; it was dropped.")
                                    .arg(qulonglong(tooLong->limit)));
            continue;
        }
        QPointer<RpcClient> self(this);
        handleLine(std::get<std::string>(*next));
        if (!self) return;
    }
}

void RpcClient::handleLine(const std::string& line) {
    auto message = protocol::decode_message(line);
    if (auto* response = std::get_if<protocol::Response>(&message)) {
        handleResponse(std::move(*response));
    } else if (auto* notification = std::get_if<protocol::Notification>(&message)) {
        handleNotification(*notification);
    } else if (auto* failure = std::get_if<protocol::DecodeFailure>(&message)) {
        reportProtocolError(QStringLiteral("The agent sent an unreadable message (%1): %2")
                                .arg(QString::fromStdString(failure->error.message), truncatedForMessage(line)));
    } else {
        reportProtocolError(QStringLiteral("The agent sent a request (%1); the panel does not serve requests.")
                                .arg(QString::fromStdString(std::get<protocol::Request>(message).method).left(80)));
    }
}

void RpcClient::handleResponse(protocol::Response response) {
    if (!response.id.is_number_integer()) {
        // The agent could not read one of our requests; which one is unknown, so that call
        // ends by its timeout.
        const QString what = response.error ? QString::fromStdString(response.error->message) : QStringLiteral("no error text");
        reportProtocolError(QStringLiteral("The agent answered a request it could not identify: %1").arg(what.left(200)));
        return;
    }
    const qint64 id = response.id.get<qint64>();
    auto it = m_pending.find(id);
    if (it == m_pending.end()) return;  // timed out or forgotten: the late answer is dropped
    Completion completion = std::move(it->completion);
    m_pending.erase(it);
    armTimer();
    completion(response);
}

void RpcClient::handleNotification(const protocol::Notification& notification) {
    const QString method = QString::fromStdString(notification.method);
    emit notificationReceived(method, notification.params);
    using namespace protocol::notification;
    auto dispatch = [&]<class N>(N, auto signal) {
        if (notification.method != N::name) return false;
        auto decoded = protocol::decode_notification<N>(notification);
        if (!decoded) {
            reportProtocolError(QStringLiteral("The agent sent a malformed %1 notification: %2")
                                    .arg(method, QString::fromStdString(decoded.error().message)));
        } else {
            emit(this->*signal)(decoded.value());
        }
        return true;
    };
    dispatch(WorkersChangedN{}, &RpcClient::workersChanged) || dispatch(ConfigChangedN{}, &RpcClient::configChanged) ||
        dispatch(ProxyChangedN{}, &RpcClient::proxyChanged) || dispatch(MetricsSampleN{}, &RpcClient::metricsSample) ||
        dispatch(LogsLineN{}, &RpcClient::logLine);
    // Unknown notifications come from newer agents and are only seen by notificationReceived.
}

void RpcClient::reportProtocolError(const QString& message) {
    emit protocolError(message);
    if (++m_protocolErrors == kMaxProtocolErrors && m_transport) {
        m_transport->close(QStringLiteral("The agent sent too many malformed messages; the connection was closed."));
    }
}

void RpcClient::onClosed(const QString& reason) {
    failAll(reason);
    emit connectionLost(reason);
}

void RpcClient::expireCalls() {
    QList<std::pair<qint64, Pending>> expired;
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        if (it->deadline.hasExpired()) {
            expired.append({it.key(), std::move(*it)});
            it = m_pending.erase(it);
        } else {
            ++it;
        }
    }
    armTimer();
    for (auto& [id, call] : expired) {
        call.completion(Response::failure(
            id, clientError(kClientTimeout, QStringLiteral("The agent did not answer %1 within %2 s; it may still apply it.")
                                                .arg(call.method)
                                                .arg(double(call.timeout.count()) / 1000.0))));
    }
}

void RpcClient::armTimer() {
    if (m_pending.isEmpty()) {
        m_timeoutTimer.stop();
        return;
    }
    qint64 earliest = std::numeric_limits<qint64>::max();
    for (const auto& call : std::as_const(m_pending)) earliest = std::min(earliest, call.deadline.remainingTime());
    m_timeoutTimer.start(int(std::clamp<qint64>(earliest, 0, 24 * 3600 * 1000)) + 1);
}

}  // namespace fulcrum::app
