#pragma once
// ProxyJump for libssh 0.10, which cannot carry one SSH connection inside another: like
// ssh(1) itself for ProxyJump (and like libssh when it reads ProxyJump from a config), the
// hops are reached by an OpenSSH client child, `ssh -W host:port jump`, whose stdio becomes
// the connection to the target. The child is pointed at the same ~/.ssh/config and
// known_hosts as the target, and runs in batch mode, because no one could answer its
// questions: a jump host must accept a key from ssh-agent or a key file without a passphrase
// prompt, and its host key must already be known (or --accept-new given). The child's own
// messages are kept, so a failure names the jump host and says why, not "socket closed".

#include "app/ssh/ssh_error.h"
#include "app/ssh/ssh_target.h"

#include <QByteArray>
#include <QTemporaryFile>

#include <memory>
#include <optional>
#include <variant>

namespace fulcrum::app {

class JumpProxy {
public:
    // The command for target.proxyJump, or an error for a hop that is no valid destination or a
    // missing ssh(1). Keeps a private file for the child's messages until destroyed.
    static std::variant<JumpProxy, SshError> prepare(const SshTarget& target);

    QByteArray command() const { return m_command; }
    // After a failed connect through the jump hosts: their own words when they said anything,
    // else `connectError` unchanged.
    SshError explainFailure(const SshTarget& target, const SshError& connectError) const;
    // What the child said so far, at most the last few lines.
    QString childMessages() const;

private:
    QByteArray m_command;
    std::shared_ptr<QTemporaryFile> m_messages;
};

// 'text' for /bin/sh, whatever it contains.
QString shellQuoted(const QString& text);

}  // namespace fulcrum::app
