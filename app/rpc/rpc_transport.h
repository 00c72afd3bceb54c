#pragma once
// A byte pipe to one fulcrum-agent `rpc` bridge: a local child process or an SSH exec channel.
// RpcClient only sees this interface. Every method is called from the thread the transport
// object lives in (the client's); implementations that do I/O elsewhere marshal internally.

#include <QByteArray>
#include <QObject>
#include <QString>

namespace fulcrum::app {

class RpcTransport : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~RpcTransport() override = default;

    // Starts the pipe. Emits opened() once bytes can flow, or closed(reason) if it cannot start.
    virtual void open() = 0;
    // Queues bytes (whole JSON lines ending in '\n'). Ignored unless open.
    virtual void send(const QByteArray& bytes) = 0;
    // Ends the pipe; emits closed(reason) once, unless it already closed.
    virtual void close(const QString& reason) = 0;
    virtual bool isOpen() const = 0;
    // "This computer" or "user@host:port", for messages.
    virtual QString peerName() const = 0;

signals:
    void opened();
    void received(const QByteArray& bytes);
    // The pipe ended or never started; `reason` is plain language. Emitted exactly once per open().
    void closed(const QString& reason);
};

}  // namespace fulcrum::app
