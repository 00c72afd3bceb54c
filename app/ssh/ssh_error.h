#pragma once
// What went wrong while reaching a host, in words a person can act on.

#include "app/ssh/host_key.h"

#include <QString>

#include <optional>

namespace fulcrum::app {

struct SshError {
    enum class Kind {
        ConnectFailed,    // name lookup, refused, unreachable
        Timeout,          // no answer in time
        HostKeyUnknown,   // first contact: hostKey carries what to show for confirmation
        HostKeyChanged,   // known_hosts has another key for this host: refused
        HostKeyRevoked,   // the key is marked @revoked
        AuthFailed,       // every method tried was rejected
        AuthCancelled,    // the user declined to give a password/passphrase
        Disconnected,     // the connection dropped
        ChannelFailed,    // the server refused a command or subsystem
        CommandFailed,    // a remote command ran and failed
        Sftp,             // file transfer failed
        UnsupportedHost,  // OS, architecture or C library the agent cannot run on
        Local,            // a problem on this computer (missing agent binary, unreadable file)
    };
    Kind kind = Kind::ConnectFailed;
    QString message;  // plain language: what happened and what to do
    QString detail;   // the library's or server's own words, for "details"
    std::optional<HostKeyInfo> hostKey;

    QString fullText() const { return detail.isEmpty() ? message : message + QStringLiteral(" (") + detail + QLatin1Char(')'); }
};

}  // namespace fulcrum::app
