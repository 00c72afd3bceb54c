#pragma once
// Add a host in three steps: where (an address or a ~/.ssh/config alias, completed as you
// type), how to log in, then connect and deploy with a progress bar. The wizard only collects
// and shows; connecting, host-key checks and the upload are the app core's, driven through
// the signals and setters below.

#include <QWizard>

class QButtonGroup;
class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QRadioButton;
class QSpinBox;

namespace fulcrum::ui {

class MessageBanner;

class AddHostWizard : public QWizard {
    Q_OBJECT
public:
    enum class Auth { Agent, KeyFile, Password };
    struct Spec {
        QString destination;  // address or ssh_config alias
        QString name;         // shown in the sidebar
        QString user;
        int port = 22;
        Auth auth = Auth::Agent;
        QString keyFile;
        bool rememberPassword = false;
    };

    AddHostWizard(const QStringList& sshConfigAliases, QWidget* parent = nullptr);

    Spec spec() const;
    // The password typed on the authentication page; handed to the core, never stored here.
    QString password() const;

    // Progress of connect + deploy, 0..100, with the step in plain words.
    void setProgress(int percent, const QString& step);
    // A failure in plain language and what to do; the user can go back, fix and retry.
    void setFailed(const QString& what, const QString& whatToDo);
    void setSucceeded(const QString& summary);
    bool isDeployed() const { return m_deployed; }

signals:
    // Emitted when the deploy page opens (and on Retry).
    void connectAndDeployRequested(const fulcrum::ui::AddHostWizard::Spec& spec);

private:
    friend class DeployPage;
    bool m_deployed = false;
    bool m_running = false;
    QLineEdit* m_destination;
    QLineEdit* m_name;
    QLineEdit* m_user;
    QSpinBox* m_port;
    QButtonGroup* m_authGroup;
    QLineEdit* m_keyFile;
    QLineEdit* m_password;
    QCheckBox* m_remember;
    QProgressBar* m_progress;
    QLabel* m_step;
    MessageBanner* m_banner;
};

}  // namespace fulcrum::ui
