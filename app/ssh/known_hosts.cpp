#include "app/ssh/known_hosts.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMessageAuthenticationCode>

#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fulcrum::app {
namespace {

QList<QByteArray> splitFields(QByteArrayView line) {
    QList<QByteArray> fields;
    qsizetype i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        const qsizetype start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) fields.append(line.sliced(start, i - start).toByteArray());
    }
    return fields;
}

bool hashedMatch(const QByteArray& entry, const QByteArray& name) {
    // |1|base64(salt)|base64(HMAC-SHA1(salt, name))
    const QList<QByteArray> parts = entry.split('|');
    if (parts.size() != 4 || !parts[0].isEmpty() || parts[1] != "1") return false;
    const QByteArray salt = QByteArray::fromBase64(parts[2]);
    const QByteArray expected = QByteArray::fromBase64(parts[3]);
    if (salt.size() != 20 || expected.size() != 20) return false;
    return QMessageAuthenticationCode::hash(name, salt, QCryptographicHash::Sha1) == expected;
}

// OpenSSH's rule: a line matches if some positive pattern matches and no negated one does.
bool lineMatches(const KnownHostsLine& line, const QByteArray& name) {
    bool positive = false;
    for (const QByteArray& pattern : line.hostPatterns) {
        if (pattern.startsWith("|")) {
            if (hashedMatch(pattern, name)) positive = true;
        } else if (pattern.startsWith('!')) {
            if (matchHostPattern(QByteArrayView(pattern).sliced(1), name)) return false;
        } else if (matchHostPattern(pattern, name)) {
            positive = true;
        }
    }
    return positive;
}

}  // namespace

bool matchHostPattern(QByteArrayView pattern, QByteArrayView name) {
    // Iterative glob with single backtrack point: linear-ish, no recursion on hostile input.
    qsizetype p = 0, n = 0, starP = -1, starN = 0;
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
    while (n < name.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            starP = p++;
            starN = n;
        } else if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(name[n]))) {
            ++p;
            ++n;
        } else if (starP >= 0) {
            p = starP + 1;
            n = ++starN;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

QByteArray KnownHosts::hostToken(const QString& host, quint16 port) {
    if (port == 22) return host.toUtf8();
    return "[" + host.toUtf8() + "]:" + QByteArray::number(port);
}

KnownHosts KnownHosts::parse(QByteArrayView text) {
    KnownHosts result;
    text = text.first(std::min(text.size(), kMaxFileBytes));
    int lineNumber = 0;
    qsizetype pos = 0;
    while (pos < text.size()) {
        qsizetype end = text.indexOf('\n', pos);
        if (end < 0) end = text.size();
        QByteArrayView raw = text.sliced(pos, end - pos);
        pos = end + 1;
        ++lineNumber;
        if (raw.endsWith('\r')) raw.chop(1);
        const QByteArrayView trimmed = raw.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith('#')) continue;
        QList<QByteArray> fields = splitFields(trimmed);
        KnownHostsLine line;
        line.lineNumber = lineNumber;
        if (!fields.isEmpty() && fields.front().startsWith('@')) {
            if (fields.front() == "@cert-authority") {
                line.marker = KnownHostsLine::Marker::CertAuthority;
            } else if (fields.front() == "@revoked") {
                line.marker = KnownHostsLine::Marker::Revoked;
            } else {
                ++result.m_skipped;
                continue;
            }
            fields.removeFirst();
        }
        if (fields.size() < 3) {
            ++result.m_skipped;
            continue;
        }
        line.hostPatterns = fields[0].split(',');
        line.keyType = fields[1];
        line.keyBase64 = fields[2];
        // A blob that is not base64 can never match anything; skip it like OpenSSH would.
        if (QByteArray::fromBase64Encoding(line.keyBase64, QByteArray::AbortOnBase64DecodingErrors).decodingStatus !=
            QByteArray::Base64DecodingStatus::Ok) {
            ++result.m_skipped;
            continue;
        }
        result.m_lines.append(std::move(line));
    }
    return result;
}

KnownHosts KnownHosts::load(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return parse(file.read(kMaxFileBytes));
}

KnownHosts::Check KnownHosts::check(const QString& host, quint16 port, const QByteArray& keyType,
                                    const QByteArray& keyBase64) const {
    const QByteArray name = hostToken(host, port);
    Check result;
    // A revoked key is refused wherever it appears, whatever host it is listed for.
    for (const auto& line : m_lines) {
        if (line.marker == KnownHostsLine::Marker::Revoked && line.keyBase64 == keyBase64) {
            return {Verdict::Revoked, line.lineNumber};
        }
    }
    for (const auto& line : m_lines) {
        if (line.marker != KnownHostsLine::Marker::None || !lineMatches(line, name)) continue;
        if (line.keyType == keyType && line.keyBase64 == keyBase64) return {Verdict::Known, line.lineNumber};
        if (line.keyType == keyType && result.verdict == Verdict::Unknown) result = {Verdict::Changed, line.lineNumber};
    }
    return result;
}

QString KnownHosts::append(const QString& path, const QString& host, quint16 port, const QByteArray& keyType,
                           const QByteArray& keyBase64) {
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) return QStringLiteral("cannot create %1").arg(info.absolutePath());
    ::chmod(QFile::encodeName(info.absolutePath()).constData(), 0700);
    const QByteArray encoded = QFile::encodeName(path);
    const int fd = ::open(encoded.constData(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return QStringLiteral("cannot open %1: %2").arg(path, QString::fromLocal8Bit(strerror(errno)));
    QByteArray line;
    // Never glue our line onto an unterminated last line of the user's file.
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
        const int rfd = ::open(encoded.constData(), O_RDONLY | O_CLOEXEC);
        char last = '\n';
        if (rfd >= 0) {
            if (::pread(rfd, &last, 1, st.st_size - 1) != 1) last = '\n';
            ::close(rfd);
        }
        if (last != '\n') line += '\n';
    }
    line += hostToken(host, port) + ' ' + keyType + ' ' + keyBase64 + '\n';
    const bool ok = ::write(fd, line.constData(), size_t(line.size())) == line.size() && ::fsync(fd) == 0;
    ::close(fd);
    return ok ? QString() : QStringLiteral("cannot write %1").arg(path);
}

QString HostKeyInfo::fingerprintOf(const QByteArray& base64Blob) {
    const QByteArray digest = QCryptographicHash::hash(QByteArray::fromBase64(base64Blob), QCryptographicHash::Sha256);
    QByteArray b64 = digest.toBase64(QByteArray::OmitTrailingEquals);
    return QStringLiteral("SHA256:") + QString::fromLatin1(b64);
}

}  // namespace fulcrum::app
