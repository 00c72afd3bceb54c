#include "app/ssh/ssh_config.h"

#include "app/ssh/known_hosts.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace fulcrum::app {
namespace {

bool hostMatches(const QStringList& patterns, const QString& host) {
    const QByteArray name = host.toUtf8();
    bool positive = false;
    for (const QString& p : patterns) {
        if (p.startsWith(QLatin1Char('!'))) {
            if (matchHostPattern(p.mid(1).toUtf8(), name)) return false;
        } else if (matchHostPattern(p.toUtf8(), name)) {
            positive = true;
        }
    }
    return positive;
}

QString expandTokens(QString value, const QString& home, const QString& host, const QString& localUser,
                     const QString& remoteUser) {
    if (value.startsWith(QStringLiteral("~/")) || value == QStringLiteral("~")) value = home + value.mid(1);
    QString out;
    out.reserve(value.size());
    for (qsizetype i = 0; i < value.size(); ++i) {
        if (value[i] != QLatin1Char('%') || i + 1 >= value.size()) {
            out += value[i];
            continue;
        }
        const QChar t = value[++i];
        if (t == QLatin1Char('%')) out += QLatin1Char('%');
        else if (t == QLatin1Char('d')) out += home;
        else if (t == QLatin1Char('h')) out += host;
        else if (t == QLatin1Char('u')) out += localUser;
        else if (t == QLatin1Char('r')) out += remoteUser;
        else out += QLatin1Char('%') + t;  // unknown tokens stay visible rather than vanish
    }
    return out;
}

std::optional<bool> yesNo(const QString& v) {
    if (v.compare(QLatin1String("yes"), Qt::CaseInsensitive) == 0) return true;
    if (v.compare(QLatin1String("no"), Qt::CaseInsensitive) == 0) return false;
    return std::nullopt;
}

bool hasWildcard(const QString& p) {
    return p.contains(QLatin1Char('*')) || p.contains(QLatin1Char('?')) || p.startsWith(QLatin1Char('!'));
}

}  // namespace

bool splitSshConfigLine(QByteArrayView line, QString& keyword, QStringList& args) {
    keyword.clear();
    args.clear();
    qsizetype i = 0;
    const qsizetype n = line.size();
    auto space = [](char c) { return c == ' ' || c == '\t'; };
    while (i < n && space(line[i])) ++i;
    const qsizetype kStart = i;
    while (i < n && !space(line[i]) && line[i] != '=') ++i;
    keyword = QString::fromUtf8(line.sliced(kStart, i - kStart)).toLower();
    while (i < n && space(line[i])) ++i;
    if (i < n && line[i] == '=') ++i;  // "Key = value" and "Key=value"
    while (i < n) {
        while (i < n && space(line[i])) ++i;
        if (i >= n) break;
        QByteArray arg;
        if (line[i] == '"') {
            ++i;
            while (i < n && line[i] != '"') arg += line[i++];
            if (i >= n) return false;
            ++i;
        } else {
            while (i < n && !space(line[i])) arg += line[i++];
        }
        if (args.size() >= SshConfig::kMaxArgsPerLine) return false;
        args.append(QString::fromUtf8(arg));
    }
    return true;
}

SshConfig SshConfig::parse(QByteArrayView text, const QString& fileName) {
    SshConfig config;
    config.parseInto(text, fileName, QString(), 0, false);
    return config;
}

SshConfig SshConfig::load(const QString& path, const QString& sshDir) {
    SshConfig config;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return config;
    const QByteArray text = file.read(kMaxFileBytes);
    config.parseInto(text, path, sshDir, 0, true);
    return config;
}

void SshConfig::parseInto(QByteArrayView text, const QString& fileName, const QString& sshDir, int depth,
                          bool followIncludes) {
    m_totalBytes += text.size();
    if (m_totalBytes > kMaxFileBytes * 4) {
        m_warnings << QStringLiteral("%1: configuration too large, the rest is ignored").arg(fileName);
        return;
    }
    if (m_blocks.isEmpty()) m_blocks.append(SshConfigBlock{{}, false, false, fileName, {}});
    int lineNumber = 0;
    qsizetype pos = 0;
    while (pos < text.size()) {
        qsizetype end = text.indexOf('\n', pos);
        if (end < 0) end = text.size();
        QByteArrayView line = text.sliced(pos, end - pos);
        pos = end + 1;
        ++lineNumber;
        if (line.endsWith('\r')) line.chop(1);
        const QByteArrayView trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith('#')) continue;
        if (line.size() > kMaxLineBytes) {
            m_warnings << QStringLiteral("%1:%2: line too long, ignored").arg(fileName).arg(lineNumber);
            continue;
        }
        QString keyword;
        QStringList args;
        if (!splitSshConfigLine(trimmed, keyword, args)) {
            m_warnings << QStringLiteral("%1:%2: unbalanced quotes or too many arguments, ignored").arg(fileName).arg(lineNumber);
            continue;
        }
        if (keyword == QLatin1String("host")) {
            if (args.isEmpty()) {
                m_warnings << QStringLiteral("%1:%2: Host without a pattern").arg(fileName).arg(lineNumber);
                args << QStringLiteral("!*");  // matches nothing, swallows the block's options
            }
            m_blocks.append(SshConfigBlock{args, false, false, fileName, {}});
        } else if (keyword == QLatin1String("match")) {
            const bool all = args.size() == 1 && args.front().compare(QLatin1String("all"), Qt::CaseInsensitive) == 0;
            if (!all) {
                m_warnings << QStringLiteral("%1:%2: Match blocks are not evaluated by Fulcrum; their options are ignored")
                                  .arg(fileName)
                                  .arg(lineNumber);
            }
            m_blocks.append(SshConfigBlock{{}, true, all, fileName, {}});
        } else if (keyword == QLatin1String("include")) {
            if (!followIncludes) {
                m_warnings << QStringLiteral("%1:%2: Include not followed").arg(fileName).arg(lineNumber);
                continue;
            }
            if (depth >= kMaxIncludeDepth) {
                m_warnings << QStringLiteral("%1:%2: Include nested too deeply").arg(fileName).arg(lineNumber);
                continue;
            }
            for (const QString& arg : args) {
                QString pattern = arg;
                if (pattern.startsWith(QStringLiteral("~/"))) pattern = QDir::homePath() + pattern.mid(1);
                else if (!QDir::isAbsolutePath(pattern)) pattern = sshDir + QLatin1Char('/') + pattern;
                const QFileInfo info(pattern);
                QDir dir = info.absoluteDir();
                const QStringList names =
                    dir.entryList(QStringList{info.fileName()}, QDir::Files | QDir::Readable, QDir::Name);
                // Included files continue the current block, exactly as ssh(1) does.
                for (const QString& name : names) {
                    QFile file(dir.filePath(name));
                    if (!file.open(QIODevice::ReadOnly)) continue;
                    const QByteArray inner = file.read(kMaxFileBytes);
                    parseInto(inner, file.fileName(), sshDir, depth + 1, true);
                }
            }
        } else {
            m_blocks.back().options.append(SshConfigOption{keyword, args, lineNumber});
        }
    }
}

SshHostSettings SshConfig::resolve(const QString& alias, const QString& homeDirIn, const QString& localUser) const {
    const QString home = homeDirIn.isEmpty() ? QDir::homePath() : homeDirIn;
    SshHostSettings s;
    QStringList rawIdentities;
    for (const SshConfigBlock& block : m_blocks) {
        const bool applies = block.isMatch ? block.matchAll : (block.patterns.isEmpty() || hostMatches(block.patterns, alias));
        if (!applies) continue;
        for (const SshConfigOption& o : block.options) {
            if (o.args.isEmpty()) continue;
            const QString& v = o.args.front();
            if (o.keyword == QLatin1String("hostname")) {
                if (!s.hostName) s.hostName = v;
            } else if (o.keyword == QLatin1String("user")) {
                if (!s.user) s.user = v;
            } else if (o.keyword == QLatin1String("port")) {
                bool ok = false;
                const uint port = v.toUInt(&ok);
                if (!s.port && ok && port > 0 && port < 65536) s.port = quint16(port);
            } else if (o.keyword == QLatin1String("identityfile")) {
                if (rawIdentities.size() < 32) rawIdentities << v;
            } else if (o.keyword == QLatin1String("identitiesonly")) {
                if (!s.identitiesOnly) s.identitiesOnly = yesNo(v);
            } else if (o.keyword == QLatin1String("proxyjump")) {
                if (!s.proxyJump) s.proxyJump = v.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0 ? QString() : v;
            } else if (o.keyword == QLatin1String("connecttimeout")) {
                bool ok = false;
                const int t = v.toInt(&ok);
                if (!s.connectTimeoutSeconds && ok && t > 0 && t <= 3600) s.connectTimeoutSeconds = t;
            } else if (o.keyword == QLatin1String("serveraliveinterval")) {
                bool ok = false;
                const int t = v.toInt(&ok);
                if (!s.serverAliveIntervalSeconds && ok && t >= 0 && t <= 86400) s.serverAliveIntervalSeconds = t;
            } else if (o.keyword == QLatin1String("stricthostkeychecking")) {
                if (!s.strictHostKeyChecking) s.strictHostKeyChecking = v.toLower();
            } else if (o.keyword == QLatin1String("userknownhostsfile")) {
                if (!s.userKnownHostsFile) s.userKnownHostsFile = expandTokens(v, home, alias, localUser, QString());
            }
        }
    }
    if (s.hostName) s.hostName = expandTokens(*s.hostName, home, alias, localUser, QString());
    const QString host = s.hostName.value_or(alias);
    const QString remoteUser = s.user.value_or(localUser);
    for (const QString& raw : rawIdentities) {
        const QString path = expandTokens(raw, home, host, localUser, remoteUser);
        if (!s.identityFiles.contains(path)) s.identityFiles << path;
    }
    return s;
}

QList<ImportableSshHost> SshConfig::importableHosts(const QString& homeDir, const QString& localUser) const {
    QList<ImportableSshHost> hosts;
    QStringList seen;
    for (const SshConfigBlock& block : m_blocks) {
        for (const QString& p : block.patterns) {
            if (hasWildcard(p) || seen.contains(p)) continue;
            seen << p;
            hosts.append(ImportableSshHost{p, resolve(p, homeDir, localUser)});
        }
    }
    return hosts;
}

}  // namespace fulcrum::app
