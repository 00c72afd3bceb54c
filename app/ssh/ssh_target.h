#pragma once
// Where and how to reach one host over SSH, after ~/.ssh/config and the destination the user
// typed have been resolved. Plain data; nothing here talks to the network.

#include <QString>
#include <QStringList>

#include <chrono>

namespace fulcrum::app {

enum class HostKeyPolicy {
    Strict,     // unknown keys are reported for the user to confirm; nothing is written
    AcceptNew,  // unknown keys are added to known_hosts (StrictHostKeyChecking=accept-new)
};

struct SshTarget {
    QString alias;      // what the user typed or the inventory calls it ("web1")
    QString hostName;   // what to connect to ("web1.example.net", "127.0.0.1")
    quint16 port = 22;
    QString user;       // empty: the local user's name
    QStringList identityFiles;  // explicit keys (-i, IdentityFile); defaults are tried after
    bool identitiesOnly = false;
    QString proxyJump;  // "[user@]host[:port]", as in ssh_config; empty: direct
    std::chrono::milliseconds connectTimeout{10000};
    std::chrono::milliseconds keepaliveInterval{15000};
    HostKeyPolicy hostKeyPolicy = HostKeyPolicy::Strict;
    QString knownHostsPath;  // empty: ~/.ssh/known_hosts
    QString sshDir;          // empty: ~/.ssh (default identity files live here)

    QString effectiveUser() const;
    QString effectiveKnownHostsPath() const;
    QString effectiveSshDir() const;
    // "user@host" or "user@host:port", for messages.
    QString displayName() const;
};

}  // namespace fulcrum::app
