#include "app/ssh/preset_password_prompter.h"

#include <QMutexLocker>

#include <utility>

namespace fulcrum::app {
namespace {

bool isPasswordRound(const KeyboardInteractiveRound& round) {
    return round.prompts.size() == 1 && !round.prompts.front().echo &&
           round.prompts.front().text.contains(QLatin1String("assword"));
}

}  // namespace

PresetPasswordPrompter::PresetPasswordPrompter(std::shared_ptr<AuthPrompter> person, QString preset)
    : m_person(person ? std::move(person) : std::make_shared<NoPrompter>()), m_preset(std::move(preset)) {}

void PresetPasswordPrompter::setPreset(const QString& password) {
    QMutexLocker lock(&m_mutex);
    m_preset = password;
}

bool PresetPasswordPrompter::hasPreset() const {
    QMutexLocker lock(&m_mutex);
    return !m_preset.isEmpty();
}

QString PresetPasswordPrompter::takeTypedPassword() {
    QMutexLocker lock(&m_mutex);
    return std::exchange(m_typed, QString());
}

std::optional<QString> PresetPasswordPrompter::takePreset() {
    QMutexLocker lock(&m_mutex);
    if (m_preset.isEmpty() || m_presetUsedThisLogin) return std::nullopt;
    m_presetUsedThisLogin = true;
    return m_preset;
}

void PresetPasswordPrompter::typed(const QString& password) {
    QMutexLocker lock(&m_mutex);
    // What the person typed now is what the reconnects of this session use.
    m_preset = password;
    m_presetUsedThisLogin = true;
    m_typed = password;
}

void PresetPasswordPrompter::loginStarting(const QString& userAtHost) {
    {
        QMutexLocker lock(&m_mutex);
        m_presetUsedThisLogin = false;
    }
    m_person->loginStarting(userAtHost);
}

std::optional<QString> PresetPasswordPrompter::keyPassphrase(const QString& keyPath, int attempt) {
    return m_person->keyPassphrase(keyPath, attempt);
}

std::optional<QString> PresetPasswordPrompter::password(const QString& userAtHost, int attempt) {
    if (auto preset = takePreset()) return preset;
    auto answer = m_person->password(userAtHost, attempt);
    if (answer) typed(*answer);
    return answer;
}

std::optional<QStringList> PresetPasswordPrompter::keyboardInteractive(const QString& userAtHost,
                                                                       const KeyboardInteractiveRound& round) {
    if (isPasswordRound(round)) {
        if (auto preset = takePreset()) return QStringList{*preset};
    }
    auto answers = m_person->keyboardInteractive(userAtHost, round);
    if (answers && answers->size() == 1 && isPasswordRound(round)) typed(answers->front());
    return answers;
}

bool PresetPasswordPrompter::confirmUnknownHostKey(const QString& hostToken, const HostKeyInfo& key) {
    return m_person->confirmUnknownHostKey(hostToken, key);
}

}  // namespace fulcrum::app
