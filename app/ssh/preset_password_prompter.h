#pragma once
// A password known before the login (the keychain's remembered one, the one typed in the
// add-host wizard) answers the first password question of each login — or PAM's lone
// "Password:" keyboard-interactive prompt — so nobody is asked. When the host refuses it, the
// next question goes to the wrapped prompter (the person), and what the person types is kept
// in memory for the reconnects of this session and for remembering (takeTypedPassword()).
// Every other question passes straight through. Called on the session thread; the preset may
// be set from another thread.

#include "app/ssh/auth_prompter.h"

#include <QMutex>

#include <memory>

namespace fulcrum::app {

class PresetPasswordPrompter final : public AuthPrompter {
public:
    explicit PresetPasswordPrompter(std::shared_ptr<AuthPrompter> person, QString preset = {});

    void setPreset(const QString& password);
    bool hasPreset() const;
    // The password the person typed since the last call, once; empty when none was typed.
    // Read it after the login succeeded: that is when it is known to be right.
    QString takeTypedPassword();

    void loginStarting(const QString& userAtHost) override;
    std::optional<QString> keyPassphrase(const QString& keyPath, int attempt) override;
    std::optional<QString> password(const QString& userAtHost, int attempt) override;
    std::optional<QStringList> keyboardInteractive(const QString& userAtHost, const KeyboardInteractiveRound& round) override;
    bool confirmUnknownHostKey(const QString& hostToken, const HostKeyInfo& key) override;

private:
    std::optional<QString> takePreset();
    void typed(const QString& password);

    std::shared_ptr<AuthPrompter> m_person;
    mutable QMutex m_mutex;
    QString m_preset;
    bool m_presetUsedThisLogin = false;
    QString m_typed;
};

}  // namespace fulcrum::app
