#pragma once
// One libssh session, used from one thread only (libssh sessions are not thread-safe).
// Every call blocks, bounded by the target's timeout; SshSession runs it on a thread of its own.

#include "app/ssh/auth_prompter.h"
#include "app/ssh/ssh_error.h"
#include "app/ssh/ssh_target.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <variant>

struct ssh_session_struct;
struct ssh_channel_struct;

namespace fulcrum::app {

struct ExecResult {
    int exitStatus = -1;  // -1: the command was killed by a signal or the status was not sent
    QByteArray out;
    QByteArray err;
    bool truncated = false;  // output hit the limit; the rest was dropped
};

class SshConnection {
public:
    SshConnection();
    ~SshConnection();
    SshConnection(const SshConnection&) = delete;
    SshConnection& operator=(const SshConnection&) = delete;

    // TCP (or ProxyJump), key exchange, host key check against known_hosts, login.
    std::optional<SshError> open(const SshTarget& target, AuthPrompter& prompter);
    void close();
    bool isOpen() const;

    // The key the server presented during open() (set even when open() refused it).
    const std::optional<HostKeyInfo>& serverHostKey() const { return m_hostKey; }
    // The login method that worked ("publickey", "password", "keyboard-interactive", "agent").
    QString authMethod() const { return m_authMethod; }
    // Keyboard-interactive rounds that carried no prompt and were answered silently.
    int silentKeyboardInteractiveRounds() const { return m_silentKbdintRounds; }

    // Runs a command to completion. Output beyond maxOutputBytes (each stream) is dropped.
    std::variant<ExecResult, SshError> exec(const QByteArray& command, const QByteArray& input = {},
                                            qsizetype maxOutputBytes = 1024 * 1024,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(60));

    // Set by the owner when nobody waits for this connection's work any more (its window
    // closed): long transfers stop at the next chunk instead of running to the end.
    void setCancelFlag(std::shared_ptr<const std::atomic<bool>> cancelled) { m_cancelled = std::move(cancelled); }
    bool isCancelled() const { return m_cancelled && m_cancelled->load(); }

    // Writes localPath to remotePath over SFTP in chunks, reporting bytes written. Stops with
    // a Local error when the cancel flag is set.
    std::optional<SshError> upload(const QString& localPath, const QString& remotePath, int mode,
                                   const std::function<void(qint64 done, qint64 total)>& progress);

    // Sends an SSH keepalive (libssh sends none of its own) and reports whether the session is
    // still alive afterwards.
    bool sendKeepalive();

    // For streaming channels driven by SshSession: opens an exec channel, nullptr on failure.
    ssh_channel_struct* openExecChannel(const QByteArray& command, SshError* error);
    ssh_session_struct* handle() const { return m_session; }
    int socketDescriptor() const;
    QString lastLibraryError() const;

private:
    std::optional<SshError> verifyHostKey(const SshTarget& target, AuthPrompter& prompter);
    std::optional<SshError> authenticate(const SshTarget& target, AuthPrompter& prompter);
    bool tryPublicKeyFile(const QString& path, const SshTarget& target, AuthPrompter& prompter, std::optional<SshError>& fatal);
    int tryKeyboardInteractive(const SshTarget& target, AuthPrompter& prompter, std::optional<SshError>& fatal);

    ssh_session_struct* m_session = nullptr;
    std::optional<HostKeyInfo> m_hostKey;
    QString m_authMethod;
    int m_silentKbdintRounds = 0;
    std::chrono::milliseconds m_timeout{10000};
    std::shared_ptr<const std::atomic<bool>> m_cancelled;
};

}  // namespace fulcrum::app
