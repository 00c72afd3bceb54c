#pragma once
// The agent's `rpc` bridge on an SSH exec channel. This object lives on the client's thread;
// the channel itself is driven by an SshSessionWorker on the host session's thread, and bytes
// cross between them through queued signals.

#include "app/rpc/rpc_transport.h"

#include <QPointer>

namespace fulcrum::app {

class SshSessionWorker;

// The command the SSH server runs: the agent deployed in the user's home.
inline constexpr const char* kDefaultRemoteRpcCommand = "exec ~/.local/lib/fulcrum/fulcrum-agent rpc";

class SshExecTransport final : public RpcTransport {
    Q_OBJECT
public:
    // `worker` must have an open connection when open() is called; it is not owned.
    SshExecTransport(SshSessionWorker* worker, QString peerName, QByteArray command = kDefaultRemoteRpcCommand,
                     QObject* parent = nullptr);
    ~SshExecTransport() override;

    void open() override;
    void send(const QByteArray& bytes) override;
    void close(const QString& reason) override;
    bool isOpen() const override { return m_open; }
    QString peerName() const override { return m_peerName; }

    // Why the last channel ended: its exit status (-1 unknown; 127: the agent is not installed)
    // and the tail of its stderr.
    int lastExitStatus() const { return m_exitStatus; }
    QString lastStderr() const { return m_stderr; }

private:
    QPointer<SshSessionWorker> m_worker;
    QString m_peerName;
    QByteArray m_command;
    QList<QMetaObject::Connection> m_connections;
    bool m_open = false;
    bool m_starting = false;
    int m_exitStatus = -1;
    QString m_stderr;
};

}  // namespace fulcrum::app
