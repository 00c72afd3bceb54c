#include "app/ssh/destination.h"

#include <QDir>

namespace fulcrum::app {
namespace {

bool validHost(const QString& host) {
    if (host.isEmpty() || host.size() > 253) return false;
    for (const QChar c : host) {
        // Letters, digits and the punctuation of names and IP literals; nothing a shell or
        // ssh option parser would treat specially (no spaces, no leading '-').
        if (!(c.isLetterOrNumber() || c == QLatin1Char('.') || c == QLatin1Char('-') || c == QLatin1Char('_') ||
              c == QLatin1Char(':') || c == QLatin1Char('%')))
            return false;
    }
    return !host.startsWith(QLatin1Char('-'));
}

bool validUser(const QString& user) {
    if (user.size() > 64 || user.startsWith(QLatin1Char('-'))) return false;
    for (const QChar c : user) {
        if (!(c.isLetterOrNumber() || c == QLatin1Char('.') || c == QLatin1Char('-') || c == QLatin1Char('_') ||
              c == QLatin1Char('$')))
            return false;
    }
    return true;
}

}  // namespace

std::variant<Destination, QString> parseDestination(const QString& textIn) {
    const QString text = textIn.trimmed();
    if (text.isEmpty()) return QStringLiteral("the destination is empty");
    Destination d;
    QString rest = text;
    const bool uri = rest.startsWith(QStringLiteral("ssh://"), Qt::CaseInsensitive);
    if (uri) {
        rest = rest.mid(6);
        if (rest.endsWith(QLatin1Char('/'))) rest.chop(1);
        if (rest.contains(QLatin1Char('/'))) return QStringLiteral("\"%1\": an ssh:// destination has no path").arg(text);
    }
    const qsizetype at = rest.lastIndexOf(QLatin1Char('@'));
    if (at >= 0) {
        d.user = rest.left(at);
        rest = rest.mid(at + 1);
        if (d.user.isEmpty() || !validUser(d.user)) return QStringLiteral("\"%1\": the user name is not valid").arg(text);
    }
    if (rest.startsWith(QLatin1Char('['))) {
        const qsizetype close = rest.indexOf(QLatin1Char(']'));
        if (close < 0) return QStringLiteral("\"%1\": missing ']' after the IPv6 address").arg(text);
        d.host = rest.mid(1, close - 1);
        rest = rest.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!uri || !rest.startsWith(QLatin1Char(':'))) return QStringLiteral("\"%1\": unexpected text after ']'").arg(text);
            rest = rest.mid(1);
            bool ok = false;
            const uint port = rest.toUInt(&ok);
            if (!ok || port == 0 || port > 65535) return QStringLiteral("\"%1\": the port must be 1-65535").arg(text);
            d.port = quint16(port);
        }
    } else if (uri && rest.count(QLatin1Char(':')) == 1) {
        const qsizetype colon = rest.indexOf(QLatin1Char(':'));
        bool ok = false;
        const uint port = rest.mid(colon + 1).toUInt(&ok);
        if (!ok || port == 0 || port > 65535) return QStringLiteral("\"%1\": the port must be 1-65535").arg(text);
        d.port = quint16(port);
        d.host = rest.left(colon);
    } else {
        d.host = rest;
    }
    if (!validHost(d.host)) return QStringLiteral("\"%1\": \"%2\" is not a host name or address").arg(text, d.host);
    return d;
}

SshTarget resolveTarget(const Destination& destination, const SshConfig& config, const TargetOverrides& overrides,
                        const QString& homeDirIn) {
    const QString home = homeDirIn.isEmpty() ? QDir::homePath() : homeDirIn;
    SshTarget target;
    const QString localUser = target.effectiveUser();
    const SshHostSettings s = config.resolve(destination.host, home, localUser);
    target.alias = destination.host;
    target.hostName = s.hostName.value_or(destination.host);
    target.port = overrides.port.value_or(destination.port.value_or(s.port.value_or(22)));
    target.user = !overrides.user.isEmpty() ? overrides.user : !destination.user.isEmpty() ? destination.user : s.user.value_or(QString());
    target.identityFiles = overrides.identityFiles + s.identityFiles;
    target.identitiesOnly = s.identitiesOnly.value_or(false);
    target.proxyJump = s.proxyJump.value_or(QString());
    if (s.connectTimeoutSeconds) target.connectTimeout = std::chrono::seconds(*s.connectTimeoutSeconds);
    if (s.serverAliveIntervalSeconds && *s.serverAliveIntervalSeconds > 0)
        target.keepaliveInterval = std::chrono::seconds(*s.serverAliveIntervalSeconds);
    if (s.strictHostKeyChecking == QLatin1String("accept-new")) target.hostKeyPolicy = HostKeyPolicy::AcceptNew;
    if (s.userKnownHostsFile) target.knownHostsPath = s.userKnownHostsFile->split(QLatin1Char(' ')).front();
    return target;
}

}  // namespace fulcrum::app
