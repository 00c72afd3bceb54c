#pragma once

#include <QByteArray>
#include <QString>

namespace fulcrum::app {

// A server's public host key as OpenSSH shows and stores it.
struct HostKeyInfo {
    QString type;         // "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"
    QByteArray base64;    // the key blob, as in known_hosts
    QString fingerprint;  // "SHA256:..." (unpadded base64 of the blob's SHA-256)
    QString knownHostsPath;  // the file that was checked
    int conflictingLine = 0;  // for a changed key: the known_hosts line holding the old one

    static QString fingerprintOf(const QByteArray& base64Blob);
};

}  // namespace fulcrum::app
