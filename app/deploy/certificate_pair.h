#pragma once
// A TLS certificate and its private key chosen on this computer for a host's listener:
// checked here before a byte leaves (readable PEM, not encrypted, and — by the bundled agent's
// `cert check`, the very code a listener loads them with — that the key belongs to the
// certificate), then put on the host beside the agent's own TLS files
// ($XDG_STATE_HOME/fulcrum/tls, key 0600) over the host's SSH connection with SFTP, as the
// agent itself is deployed; for "This computer" they are copied there directly.
// Key material is never logged nor put in a message: errors name files, never contents.

#include "app/ssh/ssh_connection.h"

#include <QDateTime>
#include <QObject>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

class QProcess;

namespace fulcrum::app {

inline constexpr qint64 kMaxPemBytes = 1024 * 1024;  // a chain of a dozen certificates fits easily

struct CertificateFacts {
    QString subject;     // "CN=example.org"
    QString commonName;  // "example.org"
    QString issuer;
    QStringList names;   // DNS and IP subject alternative names
    QDateTime notBefore, notAfter;
    QString keyType;     // "ECDSA P-256", "RSA 2048"
    QString sha256;      // fingerprint, colon-separated hex
};

// The cheap checks, in plain words ("… is encrypted with a passphrase; …"), or empty when the
// files look like an unencrypted PEM chain and key.
QString precheckCertificatePair(const QString& certPath, const QString& keyPath);

// `fulcrum-agent cert check`'s JSON line; nullopt when it is not one.
std::optional<CertificateFacts> parseCertificateFacts(const QByteArray& json);

// What a failed `cert check` means, for someone who picked two files.
QString explainCertificateCheckFailure(const QString& agentError, const QString& certPath, const QString& keyPath);

// Runs the bundled agent's `cert check` on the two files (a short child process; never
// blocks the caller) and reports the facts or a plain-language error.
class CertificateCheck : public QObject {
    Q_OBJECT
public:
    explicit CertificateCheck(QObject* parent = nullptr);
    void start(const QString& certPath, const QString& keyPath);

signals:
    void finished(const std::optional<fulcrum::app::CertificateFacts>& facts, const QString& error);

private:
    QProcess* m_process = nullptr;
};

// A file name stem safe on every host: letters, digits, dots, dashes, underscores ("www_example.org").
QString certificateFileStem(const QString& wanted);

struct InstalledCertificate {
    QString certPath;  // absolute, on the host
    QString keyPath;
};

// Puts the pair on the host as `<stem>.crt` and `<stem>.key` (replacing older files of that
// name atomically). `connection` is the host's open SSH connection, or nullptr for "This
// computer" (`local`); blocking, so it runs on the host session's SSH thread.
std::variant<InstalledCertificate, SshError> installCertificatePair(SshConnection* connection, bool local,
                                                                     const QString& certPath, const QString& keyPath,
                                                                     const QString& stem);

}  // namespace fulcrum::app
