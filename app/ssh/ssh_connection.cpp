#include "app/ssh/ssh_connection.h"

#include "app/ssh/jump_proxy.h"
#include "app/ssh/known_hosts.h"

#include <QFile>
#include <QFileInfo>

#include <libssh/libssh.h>
#include <libssh/server.h>  // ssh_send_keepalive is declared here but works for clients
#include <libssh/sftp.h>

#include <fcntl.h>

#include <cstring>

namespace fulcrum::app {
namespace {

constexpr int kMaxPasswordAttempts = 3;
constexpr int kMaxPassphraseAttempts = 3;
constexpr int kMaxKbdintRounds = 32;
constexpr int kMaxKbdintPrompts = 16;
constexpr qint64 kSftpChunkBytes = 32 * 1024;  // well below every server's packet limit

QString libError(ssh_session s) { return s ? QString::fromUtf8(ssh_get_error(s)) : QString(); }

struct PassphraseRequest {
    AuthPrompter* prompter = nullptr;
    QString keyPath;
    int attempt = 0;
    bool asked = false;
    bool cancelled = false;
};

// libssh asks for a key's passphrase only when the key is encrypted.
int passphraseCallback(const char*, char* buf, size_t len, int, int, void* userdata) {
    auto* request = static_cast<PassphraseRequest*>(userdata);
    request->asked = true;
    const auto answer = request->prompter->keyPassphrase(request->keyPath, request->attempt);
    if (!answer) {
        request->cancelled = true;
        return -1;
    }
    const QByteArray bytes = answer->toUtf8();
    if (size_t(bytes.size()) + 1 > len) return -1;
    std::memcpy(buf, bytes.constData(), size_t(bytes.size()));
    buf[bytes.size()] = '\0';
    return 0;
}

struct KeyGuard {
    ssh_key key = nullptr;
    ~KeyGuard() { ssh_key_free(key); }
};

QString methodsText(int methods) {
    QStringList names;
    if (methods & SSH_AUTH_METHOD_PUBLICKEY) names << QStringLiteral("publickey");
    if (methods & SSH_AUTH_METHOD_INTERACTIVE) names << QStringLiteral("keyboard-interactive");
    if (methods & SSH_AUTH_METHOD_PASSWORD) names << QStringLiteral("password");
    if (methods & SSH_AUTH_METHOD_GSSAPI_MIC) names << QStringLiteral("gssapi-with-mic");
    if (methods & SSH_AUTH_METHOD_HOSTBASED) names << QStringLiteral("hostbased");
    return names.isEmpty() ? QStringLiteral("none") : names.join(QStringLiteral(", "));
}

SshError disconnectedError(ssh_session s, const QString& during) {
    return SshError{SshError::Kind::Disconnected,
                    QStringLiteral("The connection was closed by the server during %1.").arg(during), libError(s), {}};
}

}  // namespace

SshConnection::SshConnection() = default;

SshConnection::~SshConnection() { close(); }

bool SshConnection::isOpen() const { return m_session && ssh_is_connected(m_session); }

int SshConnection::socketDescriptor() const { return m_session ? ssh_get_fd(m_session) : -1; }

QString SshConnection::lastLibraryError() const { return libError(m_session); }

void SshConnection::close() {
    if (!m_session) return;
    if (ssh_is_connected(m_session)) ssh_disconnect(m_session);
    ssh_free(m_session);
    m_session = nullptr;
}

std::optional<SshError> SshConnection::open(const SshTarget& target, AuthPrompter& prompter) {
    close();
    m_hostKey.reset();
    m_authMethod.clear();
    m_silentKbdintRounds = 0;
    m_timeout = target.connectTimeout;
    m_session = ssh_new();
    if (!m_session) return SshError{SshError::Kind::Local, QStringLiteral("Out of memory creating an SSH session."), {}, {}};

    const int no = 0;
    ssh_options_set(m_session, SSH_OPTIONS_PROCESS_CONFIG, &no);  // Fulcrum resolved ~/.ssh/config itself
    const QByteArray host = target.hostName.toUtf8();
    const QByteArray user = target.effectiveUser().toUtf8();
    const unsigned int port = target.port;
    const long timeoutSeconds = std::max<long>(1, long(target.connectTimeout.count() / 1000));
    const QByteArray sshDir = target.effectiveSshDir().toUtf8();
    const QByteArray knownHosts = target.effectiveKnownHostsPath().toUtf8();
    ssh_options_set(m_session, SSH_OPTIONS_HOST, host.constData());
    ssh_options_set(m_session, SSH_OPTIONS_USER, user.constData());
    ssh_options_set(m_session, SSH_OPTIONS_PORT, &port);
    ssh_options_set(m_session, SSH_OPTIONS_TIMEOUT, &timeoutSeconds);
    // RPC lines and SFTP writes are small request/answer exchanges: with Nagle's algorithm
    // against delayed ACKs each one waits ~40 ms (a 20 MB upload took 20 s on loopback).
    const int nodelay = 1;
    ssh_options_set(m_session, SSH_OPTIONS_NODELAY, &nodelay);
    ssh_options_set(m_session, SSH_OPTIONS_SSH_DIR, sshDir.constData());
    // Only used by libssh to prefer host key algorithms it already knows, so a server with
    // several key types presents the one the user trusted. Verification is ours (below).
    ssh_options_set(m_session, SSH_OPTIONS_KNOWNHOSTS, knownHosts.constData());
    ssh_options_set(m_session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");

    std::optional<JumpProxy> jump;
    if (!target.proxyJump.isEmpty()) {
        auto prepared = JumpProxy::prepare(target);
        if (auto* error = std::get_if<SshError>(&prepared)) {
            close();
            return *error;
        }
        jump = std::get<JumpProxy>(std::move(prepared));
        const QByteArray command = jump->command();
        ssh_options_set(m_session, SSH_OPTIONS_PROXYCOMMAND, command.constData());
    }

    if (ssh_connect(m_session) != SSH_OK) {
        const QString detail = libError(m_session);
        const bool timeout = detail.contains(QStringLiteral("imeout"));
        SshError error{timeout ? SshError::Kind::Timeout : SshError::Kind::ConnectFailed,
                       timeout ? QStringLiteral("%1 did not answer within %2 seconds.").arg(target.displayName()).arg(timeoutSeconds)
                               : QStringLiteral("Could not connect to %1. Check the host name and port, and that the "
                                                "SSH server is running.")
                                     .arg(target.displayName()),
                       detail,
                       {}};
        close();
        return jump ? jump->explainFailure(target, error) : error;
    }
    if (auto error = verifyHostKey(target, prompter)) {
        close();
        return error;
    }
    if (auto error = authenticate(target, prompter)) {
        close();
        return error;
    }
    return std::nullopt;
}

std::optional<SshError> SshConnection::verifyHostKey(const SshTarget& target, AuthPrompter& prompter) {
    KeyGuard key;
    if (ssh_get_server_publickey(m_session, &key.key) != SSH_OK) {
        return SshError{SshError::Kind::ConnectFailed, QStringLiteral("The server sent no host key."), libError(m_session), {}};
    }
    char* b64 = nullptr;
    if (ssh_pki_export_pubkey_base64(key.key, &b64) != SSH_OK) {
        return SshError{SshError::Kind::ConnectFailed, QStringLiteral("The server's host key could not be read."),
                        libError(m_session), {}};
    }
    HostKeyInfo info;
    info.base64 = QByteArray(b64);
    ssh_string_free_char(b64);
    info.type = QString::fromLatin1(ssh_key_type_to_char(ssh_key_type(key.key)));
    info.fingerprint = HostKeyInfo::fingerprintOf(info.base64);
    info.knownHostsPath = target.effectiveKnownHostsPath();
    m_hostKey = info;

    const KnownHosts known = KnownHosts::load(info.knownHostsPath);
    const auto check = known.check(target.hostName, target.port, info.type.toLatin1(), info.base64);
    const QString token = QString::fromUtf8(KnownHosts::hostToken(target.hostName, target.port));
    switch (check.verdict) {
    case KnownHosts::Verdict::Known:
        return std::nullopt;
    case KnownHosts::Verdict::Revoked:
        m_hostKey->conflictingLine = check.line;
        return SshError{SshError::Kind::HostKeyRevoked,
                        QStringLiteral("The host key of %1 (%2 %3) is marked as revoked in %4 line %5. Fulcrum will not "
                                       "connect with a revoked key. Ask the server's administrator for its new key.")
                            .arg(token, info.type, info.fingerprint, info.knownHostsPath)
                            .arg(check.line),
                        {},
                        m_hostKey};
    case KnownHosts::Verdict::Changed:
        m_hostKey->conflictingLine = check.line;
        return SshError{
            SshError::Kind::HostKeyChanged,
            QStringLiteral("WARNING: the host key of %1 has changed. Fulcrum refused to connect.\n"
                           "Someone could be intercepting the connection, or the server was reinstalled and got a new key.\n"
                           "The server now presents %2 %3; the key you trusted is in %4 line %5.\n"
                           "Check the new fingerprint with the server's administrator (on the server: "
                           "ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub). Only if it matches, remove the old key with\n"
                           "  ssh-keygen -R '%1' -f '%4'\nand connect again to trust the new one.")
                .arg(token, info.type, info.fingerprint, info.knownHostsPath)
                .arg(check.line),
            {},
            m_hostKey};
    case KnownHosts::Verdict::Unknown:
        break;
    }
    if (target.hostKeyPolicy == HostKeyPolicy::AcceptNew || prompter.confirmUnknownHostKey(token, info)) {
        const QString failure = KnownHosts::append(info.knownHostsPath, target.hostName, target.port, info.type.toLatin1(), info.base64);
        if (!failure.isEmpty()) {
            return SshError{SshError::Kind::Local, QStringLiteral("Could not remember the host key: %1").arg(failure), {}, m_hostKey};
        }
        return std::nullopt;
    }
    return SshError{SshError::Kind::HostKeyUnknown,
                    QStringLiteral("The authenticity of host %1 can't be established. Its %2 key fingerprint is %3.\n"
                                   "Confirm this fingerprint with the server (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) "
                                   "before trusting it.")
                        .arg(token, info.type, info.fingerprint),
                    {},
                    m_hostKey};
}

bool SshConnection::tryPublicKeyFile(const QString& path, const SshTarget&, AuthPrompter& prompter,
                                     std::optional<SshError>& fatal) {
    if (!QFileInfo::exists(path)) return false;
    const QByteArray encoded = QFile::encodeName(path);
    {
        // Offer the public half first so the passphrase is only asked for a key the server takes.
        KeyGuard pub;
        if (ssh_pki_import_pubkey_file(QFile::encodeName(path + QStringLiteral(".pub")).constData(), &pub.key) == SSH_OK) {
            const int rc = ssh_userauth_try_publickey(m_session, nullptr, pub.key);
            if (rc == SSH_AUTH_ERROR) {
                fatal = disconnectedError(m_session, QStringLiteral("login"));
                return false;
            }
            if (rc != SSH_AUTH_SUCCESS) return false;
        }
    }
    PassphraseRequest request{&prompter, path, 0, false, false};
    for (int attempt = 1; attempt <= kMaxPassphraseAttempts; ++attempt) {
        request.attempt = attempt;
        request.asked = false;
        KeyGuard priv;
        if (ssh_pki_import_privkey_file(encoded.constData(), nullptr, passphraseCallback, &request, &priv.key) != SSH_OK) {
            if (request.cancelled || !request.asked) return false;  // declined, or not a key libssh can read
            continue;                                               // wrong passphrase: ask again
        }
        const int rc = ssh_userauth_publickey(m_session, nullptr, priv.key);
        if (rc == SSH_AUTH_ERROR) fatal = disconnectedError(m_session, QStringLiteral("login"));
        if (rc == SSH_AUTH_SUCCESS) m_authMethod = QStringLiteral("publickey");
        return rc == SSH_AUTH_SUCCESS;
    }
    return false;
}

int SshConnection::tryKeyboardInteractive(const SshTarget& target, AuthPrompter& prompter, std::optional<SshError>& fatal) {
    int rc = ssh_userauth_kbdint(m_session, nullptr, nullptr);
    int rounds = 0;
    while (rc == SSH_AUTH_INFO) {
        if (++rounds > kMaxKbdintRounds) {
            fatal = SshError{SshError::Kind::AuthFailed, QStringLiteral("The server kept asking questions; login abandoned."), {}, {}};
            return SSH_AUTH_ERROR;
        }
        const int count = ssh_userauth_kbdint_getnprompts(m_session);
        if (count == 0) ++m_silentKbdintRounds;
        if (count > kMaxKbdintPrompts) {
            fatal = SshError{SshError::Kind::AuthFailed, QStringLiteral("The server asked too many questions at once."), {}, {}};
            return SSH_AUTH_ERROR;
        }
        // Rounds with zero prompts (OpenSSH+PAM sends them for informational messages and at
        // the end) are answered with an empty response, without bothering the user.
        if (count > 0) {
            KeyboardInteractiveRound round;
            round.name = QString::fromUtf8(ssh_userauth_kbdint_getname(m_session));
            round.instruction = QString::fromUtf8(ssh_userauth_kbdint_getinstruction(m_session));
            for (int i = 0; i < count; ++i) {
                char echo = 0;
                const char* text = ssh_userauth_kbdint_getprompt(m_session, unsigned(i), &echo);
                round.prompts.append(KeyboardInteractivePrompt{QString::fromUtf8(text ? text : ""), echo != 0});
            }
            const auto answers = prompter.keyboardInteractive(target.displayName(), round);
            if (!answers || answers->size() != count) {
                fatal = SshError{SshError::Kind::AuthCancelled, QStringLiteral("Login cancelled."), {}, {}};
                return SSH_AUTH_ERROR;
            }
            for (int i = 0; i < count; ++i) {
                const QByteArray answer = answers->at(i).toUtf8();
                ssh_userauth_kbdint_setanswer(m_session, unsigned(i), answer.constData());
            }
        }
        rc = ssh_userauth_kbdint(m_session, nullptr, nullptr);
    }
    if (rc == SSH_AUTH_ERROR && !fatal) fatal = disconnectedError(m_session, QStringLiteral("login"));
    return rc;
}

std::optional<SshError> SshConnection::authenticate(const SshTarget& target, AuthPrompter& prompter) {
    prompter.loginStarting(target.displayName());
    int rc = ssh_userauth_none(m_session, nullptr);
    if (rc == SSH_AUTH_SUCCESS) {
        m_authMethod = QStringLiteral("none");
        return std::nullopt;
    }
    if (rc == SSH_AUTH_ERROR) return disconnectedError(m_session, QStringLiteral("login"));
    int methods = ssh_userauth_list(m_session, nullptr);
    const int offered = methods;
    std::optional<SshError> fatal;
    bool triedPublicKey = false, triedKbdint = false, triedPassword = false;

    // A server may want several methods in turn (SSH_AUTH_PARTIAL); each is tried once.
    for (int pass = 0; pass < 4; ++pass) {
        bool partial = false;
        if ((methods & SSH_AUTH_METHOD_PUBLICKEY) && !triedPublicKey) {
            triedPublicKey = true;
            if (!target.identitiesOnly && !qEnvironmentVariableIsEmpty("SSH_AUTH_SOCK")) {
                rc = ssh_userauth_agent(m_session, nullptr);
                if (rc == SSH_AUTH_SUCCESS) {
                    m_authMethod = QStringLiteral("agent");
                    return std::nullopt;
                }
                if (rc == SSH_AUTH_ERROR && !ssh_is_connected(m_session)) return disconnectedError(m_session, QStringLiteral("login"));
                partial = rc == SSH_AUTH_PARTIAL;
            }
            QStringList files = target.identityFiles;
            if (!(target.identitiesOnly && !files.isEmpty())) {
                for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) {
                    const QString path = target.effectiveSshDir() + QLatin1Char('/') + QLatin1String(name);
                    if (!files.contains(path)) files << path;
                }
            }
            for (const QString& file : files) {
                if (partial) break;
                if (tryPublicKeyFile(file, target, prompter, fatal)) return std::nullopt;
                if (fatal) return fatal;
            }
        }
        if (!partial && (methods & SSH_AUTH_METHOD_INTERACTIVE) && !triedKbdint) {
            triedKbdint = true;
            for (int attempt = 1; attempt <= kMaxPasswordAttempts; ++attempt) {
                rc = tryKeyboardInteractive(target, prompter, fatal);
                if (rc == SSH_AUTH_SUCCESS) {
                    m_authMethod = QStringLiteral("keyboard-interactive");
                    return std::nullopt;
                }
                if (fatal) return fatal;
                if (rc == SSH_AUTH_PARTIAL) {
                    partial = true;
                    break;
                }
            }
        }
        if (!partial && (methods & SSH_AUTH_METHOD_PASSWORD) && !triedPassword) {
            triedPassword = true;
            for (int attempt = 1; attempt <= kMaxPasswordAttempts; ++attempt) {
                const auto password = prompter.password(target.displayName(), attempt);
                if (!password) return SshError{SshError::Kind::AuthCancelled, QStringLiteral("Login cancelled."), {}, {}};
                rc = ssh_userauth_password(m_session, nullptr, password->toUtf8().constData());
                if (rc == SSH_AUTH_SUCCESS) {
                    m_authMethod = QStringLiteral("password");
                    return std::nullopt;
                }
                if (rc == SSH_AUTH_ERROR) return disconnectedError(m_session, QStringLiteral("login"));
                if (rc == SSH_AUTH_PARTIAL) {
                    partial = true;
                    break;
                }
            }
        }
        if (!partial) break;
        methods = ssh_userauth_list(m_session, nullptr);
    }
    return SshError{SshError::Kind::AuthFailed,
                    QStringLiteral("%1 refused the login. The server accepts: %2. Check the user name, that your public "
                                   "key is in the server's ~/.ssh/authorized_keys, or the password.")
                        .arg(target.displayName(), methodsText(offered)),
                    libError(m_session),
                    {}};
}

ssh_channel_struct* SshConnection::openExecChannel(const QByteArray& command, SshError* error) {
    ssh_channel channel = m_session ? ssh_channel_new(m_session) : nullptr;
    if (!channel || ssh_channel_open_session(channel) != SSH_OK || ssh_channel_request_exec(channel, command.constData()) != SSH_OK) {
        if (error) {
            const bool alive = m_session && ssh_is_connected(m_session);
            *error = SshError{alive ? SshError::Kind::ChannelFailed : SshError::Kind::Disconnected,
                              alive ? QStringLiteral("The server refused to run a command.")
                                    : QStringLiteral("The connection to the server was lost."),
                              libError(m_session),
                              {}};
        }
        if (channel) ssh_channel_free(channel);
        return nullptr;
    }
    return channel;
}

std::variant<ExecResult, SshError> SshConnection::exec(const QByteArray& command, const QByteArray& input,
                                                        qsizetype maxOutputBytes, std::chrono::milliseconds timeout) {
    SshError error;
    ssh_channel channel = openExecChannel(command, &error);
    if (!channel) return error;
    auto fail = [&](const QString& what) {
        SshError e{ssh_is_connected(m_session) ? SshError::Kind::CommandFailed : SshError::Kind::Disconnected, what,
                   libError(m_session), {}};
        ssh_channel_free(channel);
        return e;
    };
    for (qsizetype sent = 0; sent < input.size();) {
        const int n = ssh_channel_write(channel, input.constData() + sent, uint32_t(std::min<qsizetype>(input.size() - sent, 32768)));
        if (n <= 0) return fail(QStringLiteral("Could not send input to a remote command."));
        sent += n;
    }
    ssh_channel_send_eof(channel);
    ExecResult result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[16384];
    for (;;) {
        bool got = false;
        for (int isStderr = 0; isStderr < 2; ++isStderr) {
            const int n = ssh_channel_read_nonblocking(channel, buffer, sizeof buffer, isStderr);
            if (n == SSH_ERROR) return fail(QStringLiteral("The connection broke while a remote command ran."));
            if (n > 0) {
                got = true;
                QByteArray& sink = isStderr ? result.err : result.out;
                const qsizetype room = maxOutputBytes - sink.size();
                if (room > 0) sink.append(buffer, std::min<qsizetype>(room, n));
                if (n > room) result.truncated = true;
            }
        }
        if (got) continue;
        if (ssh_channel_is_eof(channel) || ssh_channel_is_closed(channel)) break;
        if (std::chrono::steady_clock::now() > deadline) {
            ssh_channel_close(channel);
            ssh_channel_free(channel);
            return SshError{SshError::Kind::Timeout,
                            QStringLiteral("A remote command did not finish within %1 seconds.").arg(timeout.count() / 1000),
                            QString::fromUtf8(command.left(200)),
                            {}};
        }
        if (ssh_channel_poll_timeout(channel, 100, 0) == SSH_ERROR) {
            return fail(QStringLiteral("The connection broke while a remote command ran."));
        }
    }
    result.exitStatus = ssh_channel_get_exit_status(channel);
    ssh_channel_close(channel);
    ssh_channel_free(channel);
    return result;
}

std::optional<SshError> SshConnection::upload(const QString& localPath, const QString& remotePath, int mode,
                                              const std::function<void(qint64, qint64)>& progress) {
    QFile local(localPath);
    if (!local.open(QIODevice::ReadOnly)) {
        return SshError{SshError::Kind::Local, QStringLiteral("Cannot read %1.").arg(localPath), local.errorString(), {}};
    }
    sftp_session sftp = sftp_new(m_session);
    if (!sftp || sftp_init(sftp) != SSH_OK) {
        SshError e{SshError::Kind::Sftp, QStringLiteral("The server does not offer file transfer (SFTP)."), libError(m_session), {}};
        if (sftp) sftp_free(sftp);
        return e;
    }
    const QByteArray remote = remotePath.toUtf8();
    sftp_file file = sftp_open(sftp, remote.constData(), O_WRONLY | O_CREAT | O_TRUNC, mode_t(mode));
    if (!file) {
        SshError e{SshError::Kind::Sftp, QStringLiteral("Cannot create %1 on the host.").arg(remotePath), libError(m_session), {}};
        sftp_free(sftp);
        return e;
    }
    const qint64 total = local.size();
    qint64 done = 0;
    std::optional<SshError> error;
    if (progress) progress(0, total);
    while (!local.atEnd()) {
        if (isCancelled()) {
            error = SshError{SshError::Kind::Local, QStringLiteral("The upload of %1 was stopped.").arg(localPath), {}, {}};
            break;
        }
        const QByteArray chunk = local.read(kSftpChunkBytes);
        if (chunk.isEmpty()) {
            error = SshError{SshError::Kind::Local, QStringLiteral("Reading %1 failed.").arg(localPath), local.errorString(), {}};
            break;
        }
        if (sftp_write(file, chunk.constData(), size_t(chunk.size())) != chunk.size()) {
            error = SshError{SshError::Kind::Sftp, QStringLiteral("Writing %1 on the host failed (disk full?).").arg(remotePath),
                             libError(m_session), {}};
            break;
        }
        done += chunk.size();
        if (progress) progress(done, total);
    }
    if (sftp_close(file) != SSH_OK && !error) {
        error = SshError{SshError::Kind::Sftp, QStringLiteral("Closing %1 on the host failed.").arg(remotePath), libError(m_session), {}};
    }
    sftp_free(sftp);
    return error;
}

bool SshConnection::sendKeepalive() {
    if (!m_session || !ssh_is_connected(m_session)) return false;
    ssh_send_keepalive(m_session);
    return ssh_is_connected(m_session) && !(ssh_get_status(m_session) & (SSH_CLOSED | SSH_CLOSED_ERROR));
}

}  // namespace fulcrum::app
