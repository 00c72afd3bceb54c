#include "ui/dialogs/LoginPrompter.h"

#include "ui/dialogs/HostKeyDialog.h"

#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QThread>
#include <QVBoxLayout>

namespace fulcrum::ui {
namespace {

std::optional<QString> askSecret(QWidget* parent, const QString& objectName, const QString& title, const QString& label) {
    QInputDialog dialog(parent);
    dialog.setObjectName(objectName);
    dialog.setWindowTitle(title);
    dialog.setLabelText(label);
    dialog.setTextEchoMode(QLineEdit::Password);
    dialog.setOkButtonText(QObject::tr("Log in"));
    if (dialog.exec() != QDialog::Accepted) return std::nullopt;
    return dialog.textValue();
}

}  // namespace

LoginPrompter::LoginPrompter(QWidget* parent) : m_parent(parent) {}

bool LoginPrompter::onGuiThread(const std::function<void(QWidget*)>& ask) {
    QObject* context = m_parent ? static_cast<QObject*>(m_parent.data()) : qApp;
    if (!context) return false;
    if (QThread::currentThread() == context->thread()) {
        ask(m_parent);
        return true;
    }
    // The SSH thread waits here for the person; the GUI thread keeps running its event loop
    // inside the dialog.
    return QMetaObject::invokeMethod(context, [this, &ask] { ask(m_parent); }, Qt::BlockingQueuedConnection);
}

void LoginPrompter::loginStarting(const QString&) {
    QMutexLocker lock(&m_mutex);
    m_passphrasesUsedThisLogin.clear();
}

std::optional<QString> LoginPrompter::keyPassphrase(const QString& keyPath, int attempt) {
    {
        // A remembered passphrase gets one try per login; a refused one goes back to the user.
        QMutexLocker lock(&m_mutex);
        if (m_passphrases.contains(keyPath) && !m_passphrasesUsedThisLogin.contains(keyPath)) {
            m_passphrasesUsedThisLogin.insert(keyPath);
            return m_passphrases.value(keyPath);
        }
    }
    std::optional<QString> answer;
    onGuiThread([&](QWidget* parent) {
        answer = askSecret(parent, QStringLiteral("keyPassphraseDialog"), QObject::tr("Unlock your SSH key"),
                           attempt > 1 ? QObject::tr("That passphrase did not unlock %1. Try again:").arg(keyPath)
                                       : QObject::tr("Passphrase of the key %1:").arg(keyPath));
    });
    if (answer) {
        QMutexLocker lock(&m_mutex);
        m_passphrases.insert(keyPath, *answer);
        m_passphrasesUsedThisLogin.insert(keyPath);
    }
    return answer;
}

std::optional<QString> LoginPrompter::password(const QString& userAtHost, int attempt) {
    std::optional<QString> answer;
    onGuiThread([&](QWidget* parent) {
        answer = askSecret(parent, QStringLiteral("passwordDialog"), QObject::tr("Log in to %1").arg(userAtHost),
                           attempt > 1 ? QObject::tr("%1 refused that password. Password:").arg(userAtHost)
                                       : QObject::tr("Password of %1:").arg(userAtHost));
    });
    return answer;
}

std::optional<QStringList> LoginPrompter::keyboardInteractive(const QString& userAtHost,
                                                              const app::KeyboardInteractiveRound& round) {
    std::optional<QStringList> answers;
    onGuiThread([&](QWidget* parent) {
        QDialog dialog(parent);
        dialog.setObjectName(QStringLiteral("keyboardInteractiveDialog"));
        dialog.setWindowTitle(round.name.isEmpty() ? QObject::tr("Log in to %1").arg(userAtHost) : round.name);
        auto* layout = new QVBoxLayout(&dialog);
        auto* intro = new QLabel(round.instruction.isEmpty() ? QObject::tr("%1 asks:").arg(userAtHost) : round.instruction);
        intro->setWordWrap(true);
        layout->addWidget(intro);
        auto* form = new QFormLayout;
        QList<QLineEdit*> edits;
        for (const auto& prompt : round.prompts) {
            auto* edit = new QLineEdit;
            edit->setObjectName(QStringLiteral("kbdintAnswer%1").arg(edits.size()));
            edit->setEchoMode(prompt.echo ? QLineEdit::Normal : QLineEdit::Password);
            form->addRow(prompt.text.trimmed(), edit);
            edits << edit;
        }
        layout->addLayout(form);
        auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
        QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
        QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
        layout->addWidget(buttons);
        if (dialog.exec() != QDialog::Accepted) return;
        QStringList list;
        for (auto* edit : edits) list << edit->text();
        answers = list;
    });
    return answers;
}

bool LoginPrompter::confirmUnknownHostKey(const QString& hostToken, const app::HostKeyInfo& key) {
    bool trusted = false;
    onGuiThread([&](QWidget* parent) {
        HostKeyDialog dialog(hostToken, key.type, key.fingerprint, parent);
        trusted = dialog.exec() == QDialog::Accepted;
    });
    return trusted;
}

}  // namespace fulcrum::ui
