#pragma once
// For GUI tests of certificates: real key pairs made by the openssl command line (the files a
// user would pick), the lines of a key that must never show up in a log, and the certificate
// a listener really serves to a TLS client.

#include <QByteArrayList>
#include <QFile>
#include <QProcess>
#include <QSslCertificate>
#include <QSslSocket>
#include <QStringList>

namespace fulcrum::ui::test {

// `openssl ARGS…` run to completion; true when it succeeded.
inline bool openssl(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral("openssl"), args);
    return p.waitForFinished(30000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

// A self-signed ECDSA P-256 certificate for `commonName` with the subject alternative names
// `sans` ("DNS:a.test,IP:127.0.0.1"), valid for `days`, and its unencrypted key.
inline bool makeCertificatePair(const QString& certPath, const QString& keyPath, const QString& commonName,
                                const QString& sans, int days) {
    return openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                    QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                    QStringLiteral("-keyout"), keyPath, QStringLiteral("-out"), certPath, QStringLiteral("-days"),
                    QString::number(days), QStringLiteral("-subj"), QStringLiteral("/CN=") + commonName,
                    QStringLiteral("-addext"), QStringLiteral("subjectAltName=") + sans});
}

// The base64 lines of a PEM key: any of them in a log or a stray file means the key leaked.
inline QByteArrayList keyBodyLines(const QString& keyPath) {
    QFile file(keyPath);
    if (!file.open(QIODevice::ReadOnly)) return {};
    QByteArrayList lines;
    for (const QByteArray& line : file.readAll().split('\n')) {
        if (!line.isEmpty() && !line.startsWith("-----")) lines << line;
    }
    return lines;
}

// The leaf certificate served on host:port to a client asking for `serverName` (SNI); null
// when no TLS handshake completes within a few seconds.
inline QSslCertificate servedCertificate(const QString& host, quint16 port, const QString& serverName) {
    QSslSocket socket;
    socket.setPeerVerifyMode(QSslSocket::VerifyNone);
    socket.connectToHostEncrypted(host, port, serverName);
    if (!socket.waitForEncrypted(3000)) return QSslCertificate();
    return socket.peerCertificate();
}

}  // namespace fulcrum::ui::test
