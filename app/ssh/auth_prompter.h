#pragma once
// Questions the SSH layer asks a person during login. Implemented by the panel (dialogs), by
// fulcrum-ctl (the terminal) and by tests. Secrets are returned, never stored by the caller.

#include "app/ssh/host_key.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace fulcrum::app {

struct KeyboardInteractivePrompt {
    QString text;
    bool echo = false;
};

struct KeyboardInteractiveRound {
    QString name;
    QString instruction;
    QList<KeyboardInteractivePrompt> prompts;  // never empty when asked: zero-prompt rounds are answered silently
};

// Called on the host's session thread; it may block until the user answers. Returning nullopt
// means "cancel": the login stops with AuthCancelled instead of trying again.
class AuthPrompter {
public:
    virtual ~AuthPrompter() = default;
    // A login to userAtHost begins (every connect and reconnect): per-login state resets.
    virtual void loginStarting(const QString& userAtHost) { (void)userAtHost; }
    // The passphrase of the private key at keyPath; attempt counts from 1.
    virtual std::optional<QString> keyPassphrase(const QString& keyPath, int attempt) = 0;
    virtual std::optional<QString> password(const QString& userAtHost, int attempt) = 0;
    virtual std::optional<QStringList> keyboardInteractive(const QString& userAtHost,
                                                           const KeyboardInteractiveRound& round) = 0;
    // First contact with a host whose key is in no known_hosts line (policy Strict): show
    // key.type and key.fingerprint ("SHA256:...") and ask. true: the key is added to
    // known_hosts and the login goes on; false (the default): refused with HostKeyUnknown.
    // A changed or revoked key never gets here: it is always refused.
    virtual bool confirmUnknownHostKey(const QString& hostToken, const HostKeyInfo& key) {
        (void)hostToken;
        (void)key;
        return false;
    }
};

// Answers every question with nothing: key and agent logins only (scripts, reconnects).
class NoPrompter final : public AuthPrompter {
public:
    std::optional<QString> keyPassphrase(const QString&, int) override { return std::nullopt; }
    std::optional<QString> password(const QString&, int) override { return std::nullopt; }
    std::optional<QStringList> keyboardInteractive(const QString&, const KeyboardInteractiveRound&) override {
        return std::nullopt;
    }
};

}  // namespace fulcrum::app
