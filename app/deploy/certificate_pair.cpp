#include "app/deploy/certificate_pair.h"

#include "app/deploy/agent_installer.h"
#include "app/rpc/agent_locator.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fulcrum::app {
namespace {

// Reads at most kMaxPemBytes; `error` names the file and says what to do.
QByteArray readBounded(const QString& path, const QString& what, QString* error) {
    QFile file(path);
    if (!QFileInfo(path).isFile()) {
        *error = QStringLiteral("There is no %1 file at %2.").arg(what, path);
        return {};
    }
    if (file.size() > kMaxPemBytes) {
        *error = QStringLiteral("%1 is %2 KiB, too large for a %3 (at most 1 MiB). Choose the PEM file itself.")
                     .arg(path)
                     .arg(file.size() / 1024)
                     .arg(what);
        return {};
    }
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("Fulcrum cannot read %1 (%2). Check its permissions.").arg(path, file.errorString());
        return {};
    }
    return file.read(kMaxPemBytes);
}

QString stateTlsDir() {
    // Where the agent of this computer keeps its TLS files (as `fulcrum-agent cert` does).
    QString state = qEnvironmentVariable("XDG_STATE_HOME");
    if (!state.startsWith(QLatin1Char('/'))) state = QDir::homePath() + QStringLiteral("/.local/state");
    return state + QStringLiteral("/fulcrum/tls");
}

// Write a temp file created with its final mode, fsync, rename: a key is never readable by
// others, not even for a moment, and a crash leaves the old file or the new one.
QString writeAtomically(const QString& path, const QByteArray& data, mode_t mode) {
    const QByteArray temp = QFile::encodeName(path + QStringLiteral(".upload-%1").arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0')));
    const int fd = ::open(temp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return QStringLiteral("cannot create a file next to %1: %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
    qint64 written = 0;
    bool ok = ::fchmod(fd, mode) == 0;
    while (ok && written < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + written, size_t(data.size() - written));
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) written += n;
    }
    ok = ok && ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!ok || ::rename(temp.constData(), QFile::encodeName(path).constData()) != 0) {
        const QString why = QString::fromLocal8Bit(std::strerror(ok ? errno : saved));
        ::unlink(temp.constData());
        return QStringLiteral("cannot write %1: %2").arg(path, why);
    }
    return {};
}

std::variant<InstalledCertificate, SshError> installLocally(const QString& certPath, const QString& keyPath,
                                                            const QString& stem) {
    const auto local = [](const QString& message) {
        return SshError{SshError::Kind::Local, message, {}, {}};
    };
    QString error;
    const QByteArray cert = readBounded(certPath, QStringLiteral("certificate"), &error);
    if (!error.isEmpty()) return local(error);
    QByteArray key = readBounded(keyPath, QStringLiteral("key"), &error);
    if (!error.isEmpty()) return local(error);
    const QString dir = stateTlsDir();
    if (!QDir().mkpath(dir) || !QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner))
        return local(QStringLiteral("Fulcrum cannot create %1. Check the permissions of its parent directory.").arg(dir));
    InstalledCertificate out{dir + QLatin1Char('/') + stem + QStringLiteral(".crt"), dir + QLatin1Char('/') + stem + QStringLiteral(".key")};
    error = writeAtomically(out.keyPath, key, 0600);
    key.fill('\0');  // no copy of the key lingers in this process
    if (error.isEmpty()) error = writeAtomically(out.certPath, cert, 0644);
    if (!error.isEmpty()) return local(QStringLiteral("The certificate was not installed: %1.").arg(error));
    return out;
}

std::variant<ExecResult, SshError> runOnHost(SshConnection& connection, const QByteArray& command, const QString& what) {
    auto result = connection.exec(command, {}, 64 * 1024, std::chrono::seconds(30));
    if (auto* error = std::get_if<SshError>(&result)) return *error;
    const auto& r = std::get<ExecResult>(result);
    if (r.exitStatus != 0) {
        return SshError{SshError::Kind::CommandFailed, QStringLiteral("%1 failed on the host (exit status %2).").arg(what).arg(r.exitStatus),
                        QString::fromUtf8(r.err.left(2000)).trimmed(), {}};
    }
    return r;
}

std::variant<InstalledCertificate, SshError> installOverSsh(SshConnection& connection, const QString& certPath,
                                                            const QString& keyPath, const QString& stem) {
    // Also the files must be what they claim before anything is sent.
    QString error;
    readBounded(certPath, QStringLiteral("certificate"), &error);
    if (error.isEmpty()) readBounded(keyPath, QStringLiteral("key"), &error);
    if (!error.isEmpty()) return SshError{SshError::Kind::Local, error, {}, {}};
    auto made = runOnHost(connection,
                          "d=\"${XDG_STATE_HOME:-$HOME/.local/state}/fulcrum/tls\" && mkdir -p \"$d\" && chmod 700 \"$d\" "
                          "&& cd \"$d\" && pwd -P",
                          QStringLiteral("Creating the agent's TLS directory"));
    if (auto* e = std::get_if<SshError>(&made)) return *e;
    const QString dir = QString::fromUtf8(std::get<ExecResult>(made).out).trimmed();
    if (!dir.startsWith(QLatin1Char('/')) || dir.contains(QLatin1Char('\n')))
        return SshError{SshError::Kind::CommandFailed, QStringLiteral("The host did not name its TLS directory."), dir.left(200), {}};

    const QString suffix = QStringLiteral(".upload-%1").arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
    InstalledCertificate out{dir + QLatin1Char('/') + stem + QStringLiteral(".crt"), dir + QLatin1Char('/') + stem + QStringLiteral(".key")};
    const QString tempKey = out.keyPath + suffix, tempCert = out.certPath + suffix;
    const QByteArray cleanup = "rm -f -- " + shellQuote(tempKey) + " " + shellQuote(tempCert);
    // The key's file is created 0600 by SFTP itself: never readable by others on the host.
    std::optional<SshError> failed = connection.upload(keyPath, tempKey, 0600, {});
    if (!failed) failed = connection.upload(certPath, tempCert, 0644, {});
    if (!failed) {
        auto moved = runOnHost(connection,
                               "chmod 600 " + shellQuote(tempKey) + " && mv -f -- " + shellQuote(tempKey) + " " +
                                   shellQuote(out.keyPath) + " && mv -f -- " + shellQuote(tempCert) + " " + shellQuote(out.certPath),
                               QStringLiteral("Installing the certificate"));
        if (auto* e = std::get_if<SshError>(&moved)) failed = *e;
    }
    if (failed) {
        (void)connection.exec(cleanup, {}, 4096, std::chrono::seconds(20));
        return *failed;
    }
    return out;
}

}  // namespace

QString precheckCertificatePair(const QString& certPath, const QString& keyPath) {
    QString error;
    const QByteArray cert = readBounded(certPath, QStringLiteral("certificate"), &error);
    if (!error.isEmpty()) return error;
    if (!cert.contains("-----BEGIN CERTIFICATE-----")) {
        return QStringLiteral("%1 holds no PEM certificate (a block starting with -----BEGIN CERTIFICATE-----). If it is "
                              "DER, convert it: openssl x509 -inform der -in FILE -out FILE.pem")
            .arg(certPath);
    }
    QByteArray key = readBounded(keyPath, QStringLiteral("key"), &error);
    if (!error.isEmpty()) return error;
    const bool pemKey = key.contains("PRIVATE KEY-----");
    const bool encrypted = key.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || key.contains("Proc-Type: 4,ENCRYPTED");
    const bool isCert = key.contains("-----BEGIN CERTIFICATE-----") && !pemKey;
    key.fill('\0');
    if (encrypted) {
        return QStringLiteral("%1 is encrypted with a passphrase, and the proxy starts without anyone to type it. Write an "
                              "unencrypted copy for the host: openssl pkey -in %1 -out plain.key")
            .arg(keyPath);
    }
    if (isCert) return QStringLiteral("%1 is a certificate, not a private key. Choose the key file (often .key).").arg(keyPath);
    if (!pemKey) return QStringLiteral("%1 holds no PEM private key (a block ending in PRIVATE KEY-----).").arg(keyPath);
    return {};
}

std::optional<CertificateFacts> parseCertificateFacts(const QByteArray& json) {
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(json.left(64 * 1024), &parse);
    if (parse.error != QJsonParseError::NoError || !doc.isObject()) return std::nullopt;
    const QJsonObject o = doc.object();
    const auto text = [&o](const char* key) { return o.value(QLatin1String(key)).toString().left(1024); };
    CertificateFacts f;
    f.subject = text("subject");
    f.commonName = text("common_name");
    f.issuer = text("issuer");
    const QJsonArray names = o.value(QStringLiteral("names")).toArray();
    for (qsizetype i = 0; i < names.size() && i < 256; ++i) f.names << names[i].toString().left(255);
    f.notBefore = QDateTime::fromString(text("not_before"), Qt::ISODate);
    f.notAfter = QDateTime::fromString(text("not_after"), Qt::ISODate);
    f.keyType = text("key_type");
    f.sha256 = text("sha256");
    if (f.subject.isEmpty() || !f.notAfter.isValid()) return std::nullopt;
    return f;
}

QString explainCertificateCheckFailure(const QString& agentError, const QString& certPath, const QString& keyPath) {
    if (agentError.contains(QLatin1String("does not match"))) {
        return QStringLiteral("The key %1 does not belong to the certificate %2: a listener could not use them together. "
                              "Choose the key that was made with this certificate.")
            .arg(keyPath, certPath);
    }
    if (agentError.contains(QLatin1String("cannot load key"))) {
        return QStringLiteral("%1 could not be read as a private key (%2). Use an unencrypted PEM key.")
            .arg(keyPath, agentError.section(QStringLiteral("': "), -1).left(200));
    }
    if (agentError.contains(QLatin1String("cannot load certificate")) || agentError.contains(QLatin1String("no PEM"))) {
        return QStringLiteral("%1 could not be read as a certificate chain (%2). Use the PEM file with the server's "
                              "certificate first.")
            .arg(certPath, agentError.section(QStringLiteral("': "), -1).left(200));
    }
    return agentError.isEmpty() ? QStringLiteral("The certificate check failed without saying why.") : agentError.left(500);
}

CertificateCheck::CertificateCheck(QObject* parent) : QObject(parent) {}

void CertificateCheck::start(const QString& certPath, const QString& keyPath) {
    if (m_process) return;
    const AgentBinary agent = locateAgentBinary();
    if (agent.path.isEmpty()) {
        emit finished(std::nullopt, agent.errorText());
        return;
    }
    m_process = new QProcess(this);
    connect(m_process, &QProcess::finished, this, [this, certPath, keyPath](int code, QProcess::ExitStatus status) {
        const QByteArray out = m_process->readAllStandardOutput().left(64 * 1024);
        QString err = QString::fromUtf8(m_process->readAllStandardError().left(4096)).trimmed();
        err.remove(QStringLiteral("fulcrum-agent cert check: "));
        m_process->deleteLater();
        m_process = nullptr;
        if (status != QProcess::NormalExit || code != 0) {
            emit finished(std::nullopt, explainCertificateCheckFailure(err, certPath, keyPath));
            return;
        }
        const auto facts = parseCertificateFacts(out);
        emit finished(facts, facts ? QString() : QStringLiteral("The agent's certificate check gave no answer Fulcrum understands."));
    });
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart || !m_process) return;
        const QString why = m_process->errorString();
        m_process->deleteLater();
        m_process = nullptr;
        emit finished(std::nullopt, QStringLiteral("The certificate could not be checked: %1").arg(why));
    });
    m_process->start(agent.path, {QStringLiteral("cert"), QStringLiteral("check"), QStringLiteral("--cert"), certPath,
                                  QStringLiteral("--key"), keyPath});
}

QString certificateFileStem(const QString& wanted) {
    QString stem = wanted;
    static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._-]"));
    stem.replace(unsafe, QStringLiteral("_"));
    while (stem.startsWith(QLatin1Char('.'))) stem.remove(0, 1);
    stem = stem.left(64);
    return stem.isEmpty() ? QStringLiteral("certificate") : stem;
}

std::variant<InstalledCertificate, SshError> installCertificatePair(SshConnection* connection, bool local,
                                                                     const QString& certPath, const QString& keyPath,
                                                                     const QString& stem) {
    const QString safe = certificateFileStem(stem);
    if (local) return installLocally(certPath, keyPath, safe);
    if (!connection) {
        return SshError{SshError::Kind::Disconnected,
                        QStringLiteral("The host is not connected, so nothing was uploaded. Connect it, then try again."), {}, {}};
    }
    return installOverSsh(*connection, certPath, keyPath, safe);
}

}  // namespace fulcrum::app
