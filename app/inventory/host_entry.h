#pragma once
// One host in the panel's inventory: where it is and how to log in. Never a secret: a
// remembered password lives in the system keychain (SecretStore), keyed by the host's id.

#include "app/rpc/host_endpoint.h"
#include "app/ssh/ssh_config.h"
#include "app/ssh/ssh_target.h"

#include <QString>

namespace fulcrum::app {

enum class AuthMethod {
    Auto,                 // like ssh(1): agent, keys, then keyboard-interactive and password
    Agent,                // ssh-agent only
    KeyFile,              // identityFile (its passphrase asked when needed)
    Password,             // password, optionally remembered in the keychain
    KeyboardInteractive,  // PAM prompts, one-time codes
};

QString authMethodName(AuthMethod method);  // "auto", "agent", "key", "password", "keyboard-interactive"
std::optional<AuthMethod> authMethodFromName(const QString& name);

struct HostEntry {
    QString id;        // stable, generated once; keys the keychain entry and UI state
    QString name;      // unique, what people and fulcrum-ctl call it ("web1")
    QString address;   // host name, IP address or ~/.ssh/config alias
    QString user;      // empty: ~/.ssh/config, then the local user
    quint16 port = 0;  // 0: ~/.ssh/config, then 22
    AuthMethod auth = AuthMethod::Auto;
    QString identityFile;
    QString proxyJump;
    bool rememberPassword = false;  // off by default; the password itself is in the keychain
    bool local = false;             // "This computer": the bundled agent, no SSH

    bool operator==(const HostEntry&) const = default;

    // The SSH target, with ~/.ssh/config applied under the entry's own settings.
    SshTarget target(const SshConfig& config, const QString& homeDir = QString()) const;
    // What a HostSession connects to for this entry ("This computer" or SSH).
    HostEndpoint endpoint(const SshConfig& config, const QString& homeDir = QString()) const {
        return local ? HostEndpoint::thisComputer() : HostEndpoint::overSsh(target(config, homeDir));
    }
    // "user@address:port" as far as known, for the sidebar's second line.
    QString subtitle() const;
};

}  // namespace fulcrum::app
