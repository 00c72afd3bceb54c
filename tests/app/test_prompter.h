#pragma once
// An AuthPrompter with scripted answers that records what it was asked.

#include "app/ssh/auth_prompter.h"

#include <QMutex>
#include <QMutexLocker>

namespace fulcrum::app::test {

class ScriptedPrompter final : public AuthPrompter {
public:
    std::optional<QString> passphraseAnswer;
    std::optional<QString> passwordAnswer;
    std::optional<QString> kbdintAnswer;  // given to every prompt

    std::optional<QString> keyPassphrase(const QString& keyPath, int) override {
        QMutexLocker lock(&m_mutex);
        passphraseAskedFor << keyPath;
        return passphraseAnswer;
    }
    std::optional<QString> password(const QString& userAtHost, int) override {
        QMutexLocker lock(&m_mutex);
        passwordAskedFor << userAtHost;
        return passwordAnswer;
    }
    std::optional<QStringList> keyboardInteractive(const QString&, const KeyboardInteractiveRound& round) override {
        QMutexLocker lock(&m_mutex);
        kbdintRounds << round;
        if (!kbdintAnswer) return std::nullopt;
        QStringList answers;
        for (qsizetype i = 0; i < round.prompts.size(); ++i) answers << *kbdintAnswer;
        return answers;
    }

    QStringList passphraseAskedFor;
    QStringList passwordAskedFor;
    QList<KeyboardInteractiveRound> kbdintRounds;

private:
    QMutex m_mutex;
};

}  // namespace fulcrum::app::test
