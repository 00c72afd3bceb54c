#pragma once
// Destinations as OpenSSH users write them: "[user@]host", "ssh://[user@]host[:port]" or a
// ~/.ssh/config alias, turned into a connectable SshTarget.

#include "app/ssh/ssh_config.h"
#include "app/ssh/ssh_target.h"

#include <QString>

#include <optional>
#include <variant>

namespace fulcrum::app {

struct Destination {
    QString user;  // empty: from the config or the local user
    QString host;  // a name, an address or an alias; IPv6 without brackets
    std::optional<quint16> port;
};

// Returns the destination or a plain-language reason it is not one.
std::variant<Destination, QString> parseDestination(const QString& text);

// Command-line style overrides (-p, -i, -l) win over the destination, which wins over the config.
struct TargetOverrides {
    std::optional<quint16> port;
    QStringList identityFiles;
    QString user;
};

SshTarget resolveTarget(const Destination& destination, const SshConfig& config, const TargetOverrides& overrides = {},
                        const QString& homeDir = QString());

}  // namespace fulcrum::app
