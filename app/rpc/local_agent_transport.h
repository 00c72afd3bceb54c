#pragma once
// "This computer": the bundled fulcrum-agent run as a child process (`fulcrum-agent rpc`),
// JSON lines over its stdin/stdout. No SSH and no sshd involved.

#include "app/rpc/rpc_transport.h"

#include <QProcess>
#include <QProcessEnvironment>

namespace fulcrum::app {

struct LocalAgentOptions {
    QString agentPath;  // empty: locateAgentBinary()
    QString stateDir;   // empty: the agent's default ($XDG_STATE_HOME/fulcrum)
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    // Passes --allow-root when running as root. The agent refuses root otherwise; this exists
    // for containers and the demo, where the panel itself runs as root.
    bool allowRootWhenRoot = true;
};

class LocalAgentTransport final : public RpcTransport {
    Q_OBJECT
public:
    explicit LocalAgentTransport(LocalAgentOptions options = {}, QObject* parent = nullptr);
    ~LocalAgentTransport() override;

    void open() override;
    void send(const QByteArray& bytes) override;
    void close(const QString& reason) override;
    bool isOpen() const override;
    QString peerName() const override { return QStringLiteral("This computer"); }

    // The bridge's last stderr output (bounded), for "details".
    QString stderrTail() const { return QString::fromUtf8(m_stderr); }
    // The bridge's process id while it runs, else 0.
    qint64 processId() const { return m_process ? m_process->processId() : 0; }

    static constexpr qsizetype kMaxStderrBytes = 8 * 1024;

private:
    void finish(const QString& reason);
    void onStderr();

    LocalAgentOptions m_options;
    QProcess* m_process = nullptr;
    QByteArray m_stderr;
    QString m_closeReason;
    bool m_open = false;
};

}  // namespace fulcrum::app
