#pragma once
// Add a host in three steps: where (an address or a ~/.ssh/config alias, completed as you
// type), how to log in, then connect and deploy with a progress bar. The wizard only collects
// and shows; connecting, host-key checks and the upload are AddHostFlow's, driven through
// the signals and setters below.

#include <QWizard>

#include <functional>

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
    enum class Auth { Agent, KeyFile, Password, KeyboardInteractive };
    struct Spec {
        QString destination;  // address or ssh_config alias
        QString name;         // shown in the sidebar
        QString user;
        int port = 0;  // 0: from ~/.ssh/config, else 22
        Auth auth = Auth::Agent;
        QString keyFile;
        bool rememberPassword = false;
    };

    AddHostWizard(const QStringList& sshConfigAliases, QWidget* parent = nullptr);

    Spec spec() const;
    // Says under the address where it leads ("192.0.2.10, port 2222, as deploy — from
    // ~/.ssh/config"), so an alias is not a guess.
    void setDestinationDescriber(std::function<QString(const QString& destination)> describe);
    // The password typed on the authentication page; handed to the core, never stored here.
    QString password() const;

    // Progress of connect + deploy, 0..100, with the step in plain words.
    void setProgress(int percent, const QString& step);
    // A failure in plain language and what to do; the user can go back, fix and retry.
    void setFailed(const QString& what, const QString& whatToDo);
    void setSucceeded(const QString& summary);
    bool isDeployed() const { return m_deployed; }
    // Closing while connecting or deploying stops it (cancelRequested) first.
    void reject() override;

signals:
    // Emitted when the deploy page opens (and on Retry).
    void connectAndDeployRequested(const fulcrum::ui::AddHostWizard::Spec& spec);
    // The user went back from the deploy page or closed the wizard while it ran.
    void cancelRequested();

private:
    friend class DeployPage;
    bool m_deployed = false;
    bool m_running = false;
    QLineEdit* m_destination;
    QLabel* m_resolved;
    std::function<QString(const QString&)> m_describe;
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
