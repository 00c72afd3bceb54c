#pragma once
// A reader for OpenSSH client configuration (~/.ssh/config): Host blocks with patterns,
// Include, first-value-wins like ssh(1). Fulcrum honours the options that decide where and as
// whom to connect (HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump,
// ConnectTimeout, ServerAliveInterval, StrictHostKeyChecking, UserKnownHostsFile) and ignores
// the rest. The file is input from outside: sizes, line lengths and Include depth are bounded,
// and anything it does not understand becomes a warning, never a failure.

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace fulcrum::app {

struct SshHostSettings {
    std::optional<QString> hostName;
    std::optional<QString> user;
    std::optional<quint16> port;
    QStringList identityFiles;  // in order, tokens (~, %d, %h, %u, %r) already expanded
    std::optional<bool> identitiesOnly;
    std::optional<QString> proxyJump;  // "none" is reported as empty
    std::optional<int> connectTimeoutSeconds;
    std::optional<int> serverAliveIntervalSeconds;
    std::optional<QString> strictHostKeyChecking;  // "yes", "no", "accept-new", "ask"
    std::optional<QString> userKnownHostsFile;
};

struct SshConfigOption {
    QString keyword;  // lower case
    QStringList args;
    int line = 0;
};

struct SshConfigBlock {
    QStringList patterns;  // empty for the global block before the first Host
    bool isMatch = false;  // "Match" blocks are not evaluated (only "Match all" applies)
    bool matchAll = false;
    QString file;
    QList<SshConfigOption> options;
};

// A host from the config worth offering for import: a Host entry without wildcards.
struct ImportableSshHost {
    QString alias;
    SshHostSettings settings;
};

class SshConfig {
public:
    static constexpr qsizetype kMaxFileBytes = 1024 * 1024;
    static constexpr qsizetype kMaxLineBytes = 4096;
    static constexpr int kMaxIncludeDepth = 8;
    static constexpr int kMaxArgsPerLine = 64;

    // Parses one file's text. Include lines are resolved relative to sshDir (and read) only by
    // load(); parse() records them as warnings.
    static SshConfig parse(QByteArrayView text, const QString& fileName = QStringLiteral("config"));
    // Reads path (a missing file is an empty config) and its Includes.
    static SshConfig load(const QString& path, const QString& sshDir);

    // What ssh(1) would use for `ssh alias`. homeDir and localUser feed token expansion.
    SshHostSettings resolve(const QString& alias, const QString& homeDir = QString(),
                            const QString& localUser = QString()) const;
    QList<ImportableSshHost> importableHosts(const QString& homeDir = QString(),
                                             const QString& localUser = QString()) const;

    const QList<SshConfigBlock>& blocks() const { return m_blocks; }
    const QStringList& warnings() const { return m_warnings; }

private:
    void parseInto(QByteArrayView text, const QString& fileName, const QString& sshDir, int depth, bool followIncludes);

    QList<SshConfigBlock> m_blocks;
    QStringList m_warnings;
    qsizetype m_totalBytes = 0;
};

// Splits one config line into keyword and arguments ("Key value", "Key=value", quoted args).
// Returns false for a line with unbalanced quotes.
bool splitSshConfigLine(QByteArrayView line, QString& keyword, QStringList& args);

}  // namespace fulcrum::app
