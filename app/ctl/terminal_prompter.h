#pragma once
// fulcrum-ctl's AuthPrompter: asks on the controlling terminal (/dev/tty) like ssh(1), with
// echo off for secrets. Without a terminal (scripts, CI) every question is answered "no", so
// only key and agent logins work and an unknown host key needs --accept-new.

#include "app/ssh/auth_prompter.h"

namespace fulcrum::app::ctl {

class TerminalPrompter final : public AuthPrompter {
public:
    TerminalPrompter();
    std::optional<QString> keyPassphrase(const QString& keyPath, int attempt) override;
    std::optional<QString> password(const QString& userAtHost, int attempt) override;
    std::optional<QStringList> keyboardInteractive(const QString& userAtHost, const KeyboardInteractiveRound& round) override;
    bool confirmUnknownHostKey(const QString& hostToken, const HostKeyInfo& key) override;

private:
    std::optional<QString> ask(const QString& prompt, bool echo);
    bool m_hasTerminal = false;
};

}  // namespace fulcrum::app::ctl
