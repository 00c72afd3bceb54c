#pragma once
// Puts the bundled fulcrum-agent on a host over an open SSH connection: checks the platform,
// uploads over SFTP to a temporary name in ~/.local/lib/fulcrum/, verifies its SHA-256 on the
// host, and renames it into place atomically. Blocking; runs on the host session's SSH thread.
// A running agent keeps running (Linux keeps the old file open); switching to the new binary
// is AgentDeployer's job, through agent.upgrade.

#include "app/deploy/platform_probe.h"
#include "app/ssh/ssh_connection.h"

#include <QString>

#include <functional>
#include <variant>

namespace fulcrum::app {

// Where the agent lives on every host, relative to $HOME.
inline constexpr const char* kRemoteAgentDir = ".local/lib/fulcrum";
inline constexpr const char* kRemoteAgentName = "fulcrum-agent";

struct InstallOptions {
    QString localAgentPath;  // empty: locateAgentBinary()
    QString hostName;        // for messages
    bool force = false;      // upload even when the host already has the same file
};

struct InstallReport {
    HostPlatform platform;
    QString remotePath;        // absolute path of the installed agent
    QString sha256;            // hex
    QString previousVersion;   // "" when there was none ("fulcrum-agent 0.1.0" → "0.1.0")
    QString installedVersion;  // what the installed binary says it is
    bool uploaded = false;     // false: the host already had this exact file
};

// percent is 0..100 across the whole install; step is a short phrase for a progress bar.
using InstallProgress = std::function<void(int percent, const QString& step)>;

std::variant<InstallReport, SshError> installAgent(SshConnection& connection, const InstallOptions& options,
                                                   const InstallProgress& progress = {});

// The SHA-256 of a local file, lowercase hex; empty on read errors.
QString sha256OfFile(const QString& path);
// Quotes a string for POSIX sh.
QByteArray shellQuote(const QString& text);
// "fulcrum-agent 0.1.0\n" → "0.1.0"; "" if the text is not a version line.
QString parseAgentVersion(const QByteArray& output);

}  // namespace fulcrum::app
