#pragma once
// The user's ~/.ssh/known_hosts, read and appended in OpenSSH's own format so that Fulcrum
// and OpenSSH trust the same keys. Parsed here rather than through libssh's known-hosts
// helpers, some of which change options of the live session as a side effect.

#include "app/ssh/host_key.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace fulcrum::app {

struct KnownHostsLine {
    int lineNumber = 0;
    enum class Marker { None, CertAuthority, Revoked } marker = Marker::None;
    QList<QByteArray> hostPatterns;  // plain patterns ("web1", "[h]:2222", "*.lan", "!x") or "|1|salt|hash"
    QByteArray keyType;
    QByteArray keyBase64;
};

class KnownHosts {
public:
    // Bounded: files over kMaxFileBytes are read up to that size; malformed lines are skipped
    // and counted, like OpenSSH does.
    static constexpr qsizetype kMaxFileBytes = 8 * 1024 * 1024;

    static KnownHosts parse(QByteArrayView text);
    static KnownHosts load(const QString& path);  // a missing file is an empty one

    enum class Verdict { Known, Unknown, Changed, Revoked };
    struct Check {
        Verdict verdict = Verdict::Unknown;
        int line = 0;  // the matching line (Known) or the conflicting one (Changed/Revoked)
    };
    // Looks up host (as connected to, "name" for port 22, "[name]:port" otherwise) and the key
    // the server presented. Keys of other types for the same host do not count as a change
    // (OpenSSH asks about those too), a different key of the same type does.
    Check check(const QString& host, quint16 port, const QByteArray& keyType, const QByteArray& keyBase64) const;

    const QList<KnownHostsLine>& lines() const { return m_lines; }
    int skippedLines() const { return m_skipped; }

    // The name known_hosts uses for host:port.
    static QByteArray hostToken(const QString& host, quint16 port);
    // Appends "host type key" to the file (creating it 0600 and its directory 0700), with
    // fsync, so a crash never leaves a half line. Returns an error text or an empty string.
    static QString append(const QString& path, const QString& host, quint16 port, const QByteArray& keyType,
                          const QByteArray& keyBase64);

private:
    QList<KnownHostsLine> m_lines;
    int m_skipped = 0;
};

// OpenSSH wildcard match: '*' any run, '?' one character; case-insensitive like host names.
bool matchHostPattern(QByteArrayView pattern, QByteArrayView name);

}  // namespace fulcrum::app
