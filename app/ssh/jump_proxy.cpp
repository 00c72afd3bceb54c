#include "app/ssh/jump_proxy.h"

#include "app/ssh/destination.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace fulcrum::app {
namespace {

constexpr qint64 kMaxMessageBytes = 4096;

}  // namespace

QString shellQuoted(const QString& text) {
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

std::variant<JumpProxy, SshError> JumpProxy::prepare(const SshTarget& target) {
    const QStringList hops = target.proxyJump.split(QLatin1Char(','));
    for (const QString& hop : hops) {
        const QString uri = hop.startsWith(QStringLiteral("ssh://")) ? hop : QStringLiteral("ssh://") + hop;
        if (hop.isEmpty() || std::holds_alternative<QString>(parseDestination(uri))) {
            return SshError{SshError::Kind::Local,
                            QStringLiteral("The ProxyJump setting \"%1\" of %2 is not a valid host: \"%3\". Write it as "
                                           "[user@]host[:port] (several separated by commas).")
                                .arg(target.proxyJump, target.alias.isEmpty() ? target.hostName : target.alias, hop),
                            {},
                            {}};
        }
    }
    const QString ssh = QStandardPaths::findExecutable(QStringLiteral("ssh"));
    if (ssh.isEmpty()) {
        return SshError{SshError::Kind::Local,
                        QStringLiteral("%1 is reached through the jump host %2 (ProxyJump), which needs OpenSSH's ssh "
                                       "client: libssh 0.10 cannot open a connection through another one itself. "
                                       "Install it (Debian and Ubuntu: openssh-client) and connect again.")
                            .arg(target.displayName(), target.proxyJump),
                        {},
                        {}};
    }

    JumpProxy proxy;
    proxy.m_messages = std::make_shared<QTemporaryFile>(QDir::tempPath() + QStringLiteral("/fulcrum-jump-XXXXXX"));
    if (!proxy.m_messages->open()) {
        return SshError{SshError::Kind::Local,
                        QStringLiteral("Could not create a temporary file in %1 for the jump host's messages: %2")
                            .arg(QDir::tempPath(), proxy.m_messages->errorString()),
                        {},
                        {}};
    }
    // The same config and known_hosts as the target's own connection, so ssh(1) resolves the
    // hops exactly as `ssh -J` would for this user.
    const QString config = target.effectiveSshDir() + QStringLiteral("/config");
    QStringList args{QStringLiteral("exec"), shellQuoted(ssh),
                     QStringLiteral("-F"), shellQuoted(QFileInfo::exists(config) ? config : QStringLiteral("/dev/null")),
                     QStringLiteral("-o"), QStringLiteral("BatchMode=yes"),
                     QStringLiteral("-o"), shellQuoted(QStringLiteral("UserKnownHostsFile=") + target.effectiveKnownHostsPath()),
                     QStringLiteral("-o"), QStringLiteral("StrictHostKeyChecking=") +
                                               (target.hostKeyPolicy == HostKeyPolicy::AcceptNew ? QStringLiteral("accept-new")
                                                                                                  : QStringLiteral("yes")),
                     QStringLiteral("-o"),
                     QStringLiteral("ConnectTimeout=%1").arg(std::max<qint64>(1, target.connectTimeout.count() / 1000))};
    if (hops.size() > 1) args << QStringLiteral("-J") << shellQuoted(hops.mid(0, hops.size() - 1).join(QLatin1Char(',')));
    args << QStringLiteral("-W") << shellQuoted(QStringLiteral("[%1]:%2").arg(target.hostName).arg(target.port))
         << shellQuoted(hops.back()) << QStringLiteral("2>>") + shellQuoted(proxy.m_messages->fileName());
    proxy.m_command = args.join(QLatin1Char(' ')).toUtf8();
    return proxy;
}

QString JumpProxy::childMessages() const {
    if (!m_messages) return {};
    QFile file(m_messages->fileName());
    if (!file.open(QIODevice::ReadOnly)) return {};
    if (file.size() > kMaxMessageBytes) file.seek(file.size() - kMaxMessageBytes);
    const QString text = QString::fromUtf8(file.readAll()).trimmed();
    QStringList lines = text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (QString& line : lines) line = line.trimmed();
    if (lines.size() > 4) lines = lines.mid(lines.size() - 4);
    return lines.join(QStringLiteral("; "));
}

SshError JumpProxy::explainFailure(const SshTarget& target, const SshError& connectError) const {
    const QString said = childMessages();
    if (said.isEmpty()) return connectError;
    // Only a connection that did not come about is worth retrying; the rest needs a person.
    SshError::Kind kind = SshError::Kind::Local;
    QString hint;
    if (said.contains(QStringLiteral("Host key verification failed")) || said.contains(QStringLiteral("REMOTE HOST IDENTIFICATION"))) {
        hint = QStringLiteral("The jump host's key must already be in %1: connect to it once with ssh(1), or use "
                              "--accept-new for a host seen for the first time.")
                   .arg(target.effectiveKnownHostsPath());
    } else if (said.contains(QStringLiteral("Permission denied"))) {
        kind = SshError::Kind::AuthFailed;
        hint = QStringLiteral("A jump host is logged in to without questions (ssh batch mode): it must accept a key from "
                              "ssh-agent or a key file without passphrase; passwords and passphrase prompts are only "
                              "possible for the final host.");
    } else if (said.contains(QStringLiteral("prohibited"))) {
        hint = QStringLiteral("The jump host refused to forward the connection: its sshd must allow it "
                              "(AllowTcpForwarding yes).");
    } else if (said.contains(QStringLiteral("connect failed")) || said.contains(QStringLiteral("forwarding failed"))) {
        kind = SshError::Kind::ConnectFailed;
        hint = QStringLiteral("The jump host could not connect to %1:%2: check the host name and port as the jump host "
                              "sees them, and that the SSH server there is running.")
                   .arg(target.hostName)
                   .arg(target.port);
    } else {
        kind = connectError.kind;
        hint = QStringLiteral("Check that `ssh -J %1 %2` works from this computer.").arg(target.proxyJump, target.displayName());
    }
    return SshError{kind,
                    QStringLiteral("Could not reach %1 through the jump host %2. %3").arg(target.displayName(), target.proxyJump, hint),
                    QStringLiteral("ssh said: ") + said,
                    {}};
}

}  // namespace fulcrum::app
