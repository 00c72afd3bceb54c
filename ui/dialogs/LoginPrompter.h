#pragma once
// The panel's answers to the SSH layer's questions: a host key seen for the first time
// (HostKeyDialog), a key's passphrase (naming the key), a password, keyboard-interactive
// prompts. The SSH layer asks on a host's own thread; each question is shown as a modal
// dialog on the GUI thread while that thread waits, so the window never freezes.
//
// Passwords known before a login (typed in the add-host wizard, remembered in the keychain)
// are app core's PresetPasswordPrompter's job, which wraps this one and asks it only what the
// preset cannot answer. Key passphrases are kept here, per key, so the deploy's own
// connection and every reconnect do not ask again; in memory for this session only, never
// written anywhere.

#include "app/ssh/auth_prompter.h"

#include <QHash>
#include <QMutex>
#include <QPointer>
#include <QSet>
#include <QWidget>

#include <functional>

namespace fulcrum::ui {

class LoginPrompter final : public app::AuthPrompter {
public:
    // `parent` (GUI thread) parents the dialogs; when it is gone every question is cancelled.
    explicit LoginPrompter(QWidget* parent);

    void loginStarting(const QString& userAtHost) override;
    std::optional<QString> keyPassphrase(const QString& keyPath, int attempt) override;
    std::optional<QString> password(const QString& userAtHost, int attempt) override;
    std::optional<QStringList> keyboardInteractive(const QString& userAtHost,
                                                   const app::KeyboardInteractiveRound& round) override;
    bool confirmUnknownHostKey(const QString& hostToken, const app::HostKeyInfo& key) override;

private:
    // Runs `ask` on the GUI thread and waits for it; false when there is no GUI to ask.
    bool onGuiThread(const std::function<void(QWidget* parent)>& ask);

    QPointer<QWidget> m_parent;
    QMutex m_mutex;
    QHash<QString, QString> m_passphrases;  // key path → what unlocked it
    QSet<QString> m_passphrasesUsedThisLogin;
};

}  // namespace fulcrum::ui
