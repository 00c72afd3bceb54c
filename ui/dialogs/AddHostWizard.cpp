#include "ui/dialogs/AddHostWizard.h"

#include "app/ssh/destination.h"
#include "app/ssh/ssh_target.h"
#include "ui/Icons.h"
#include "ui/widgets/MessageBanner.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QCompleter>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWizardPage>

#include <utility>

namespace fulcrum::ui {
namespace {

QLabel* hint(const QString& text) {
    auto* l = new QLabel(text);
    l->setWordWrap(true);
    l->setProperty("role", QStringLiteral("muted"));
    return l;
}

class DestinationPage : public QWizardPage {
public:
    DestinationPage(QLineEdit* destination, QLabel* resolved, QLineEdit* name, QLineEdit* user, QSpinBox* port)
        : m_destination(destination) {
        setTitle(tr("Which server?"));
        setSubTitle(tr("An address, or a Host alias from your ~/.ssh/config — its HostName, User, Port and "
                       "IdentityFile are used as OpenSSH would."));
        auto* form = new QFormLayout(this);
        form->setSpacing(10);
        form->addRow(tr("Address or alias"), destination);
        form->addRow(QString(), resolved);
        form->setRowVisible(resolved, false);  // until there is an address to describe
        form->addRow(tr("User"), user);
        form->addRow(tr("Port"), port);
        form->addRow(tr("Name in Fulcrum"), name);
        m_error = new QLabel;
        m_error->setObjectName(QStringLiteral("destinationError"));
        m_error->setWordWrap(true);
        m_error->setStyleSheet(QStringLiteral("color: #cf222e"));
        m_error->hide();
        form->addRow(m_error);
        registerField(QStringLiteral("destination*"), destination);
    }

    bool validatePage() override {
        // Only the shape is checked here (as ssh reads a destination); whether the host
        // answers is the deploy page's job.
        const auto parsed = app::parseDestination(m_destination->text());
        if (const auto* problem = std::get_if<QString>(&parsed)) {
            m_error->setText(tr("That is not a host name, an IP address or an alias: %1. Write it as after `ssh`, "
                                "e.g. web1, deploy@192.0.2.10 or ssh://web1.example.org:2222.")
                                 .arg(*problem));
            m_error->show();
            return false;
        }
        m_error->hide();
        return true;
    }

private:
    QLineEdit* m_destination;
    QLabel* m_error;
};

class AuthPage : public QWizardPage {
public:
    AuthPage(QButtonGroup* group, QLineEdit* keyFile, QLineEdit* password, QCheckBox* remember) {
        setTitle(tr("How do you log in?"));
        setSubTitle(tr("Fulcrum logs in as you do with ssh. It never stores a password in a file; a remembered "
                       "password goes to the system keychain."));
        auto* layout = new QVBoxLayout(this);
        layout->setSpacing(8);
        auto* agent = new QRadioButton(tr("My SSH agent (ssh-agent, gpg-agent, a desktop keyring)"));
        agent->setObjectName(QStringLiteral("authAgentRadio"));
        auto* key = new QRadioButton(tr("A key file"));
        key->setObjectName(QStringLiteral("authKeyRadio"));
        auto* pass = new QRadioButton(tr("A password"));
        pass->setObjectName(QStringLiteral("authPasswordRadio"));
        auto* interactive = new QRadioButton(tr("Questions from the server (one-time codes, PAM prompts)"));
        interactive->setObjectName(QStringLiteral("authKeyboardInteractiveRadio"));
        group->addButton(agent, int(AddHostWizard::Auth::Agent));
        group->addButton(key, int(AddHostWizard::Auth::KeyFile));
        group->addButton(pass, int(AddHostWizard::Auth::Password));
        group->addButton(interactive, int(AddHostWizard::Auth::KeyboardInteractive));
        agent->setChecked(true);
        layout->addWidget(agent);
        layout->addWidget(key);
        auto* keyRow = new QHBoxLayout;
        keyRow->setContentsMargins(24, 0, 0, 0);
        keyRow->addWidget(keyFile, 1);
        auto* browse = new QToolButton;
        browse->setObjectName(QStringLiteral("browseKeyButton"));
        browse->setIcon(Icons::get(QStringLiteral("folder")));
        browse->setToolTip(tr("Choose a private key file"));
        keyRow->addWidget(browse);
        layout->addLayout(keyRow);
        layout->addWidget(pass);
        auto* passBox = new QVBoxLayout;
        passBox->setContentsMargins(24, 0, 0, 0);
        passBox->addWidget(password);
        passBox->addWidget(remember);
        layout->addLayout(passBox);
        layout->addWidget(interactive);
        layout->addSpacing(6);
        layout->addWidget(hint(tr("A key with a passphrase asks for it when Fulcrum connects, naming the key. "
                                  "Whatever you choose, Fulcrum falls back to the other ways as ssh does.")));
        layout->addStretch(1);
        const auto sync = [=] {
            keyFile->setEnabled(key->isChecked());
            browse->setEnabled(key->isChecked());
            password->setEnabled(pass->isChecked());
            remember->setEnabled(pass->isChecked());
        };
        connect(group, &QButtonGroup::idToggled, this, sync);
        connect(browse, &QToolButton::clicked, this, [this, keyFile] {
            const QString file = QFileDialog::getOpenFileName(this, tr("Private key"), QDir::homePath() + QStringLiteral("/.ssh"));
            if (!file.isEmpty()) keyFile->setText(file);
        });
        sync();
    }
};

}  // namespace

class DeployPage : public QWizardPage {
public:
    explicit DeployPage(AddHostWizard* wizard) : m_wizard(wizard) {
        setTitle(tr("Connect and deploy"));
        setSubTitle(tr("Fulcrum checks the host, uploads its agent to ~/.local/lib/fulcrum/ (no root, nothing "
                       "system-wide), verifies its checksum and starts it."));
        auto* layout = new QVBoxLayout(this);
        layout->setSpacing(10);
        layout->addWidget(wizard->m_step);
        layout->addWidget(wizard->m_progress);
        layout->addWidget(wizard->m_banner);
        layout->addStretch(1);
    }

    void initializePage() override { start(); }
    bool isComplete() const override { return m_wizard->m_deployed; }
    void cleanupPage() override {
        if (std::exchange(m_wizard->m_running, false)) emit m_wizard->cancelRequested();
    }

    void start() {
        m_wizard->m_deployed = false;
        m_wizard->m_running = true;
        m_wizard->m_banner->hide();
        m_wizard->setProgress(0, tr("Connecting to %1…").arg(m_wizard->spec().destination));
        emit completeChanged();
        emit m_wizard->connectAndDeployRequested(m_wizard->spec());
    }

    void changed() { emit completeChanged(); }

private:
    AddHostWizard* m_wizard;
};

AddHostWizard::AddHostWizard(const QStringList& sshConfigAliases, QWidget* parent)
    : QWizard(parent), m_destination(new QLineEdit), m_resolved(new QLabel), m_name(new QLineEdit), m_user(new QLineEdit),
      m_port(new QSpinBox), m_authGroup(new QButtonGroup(this)), m_keyFile(new QLineEdit), m_password(new QLineEdit),
      m_remember(new QCheckBox(tr("Remember in the system keychain"))), m_progress(new QProgressBar),
      m_step(new QLabel), m_banner(new MessageBanner) {
    setObjectName(QStringLiteral("addHostWizard"));
    setWindowTitle(tr("Add a host"));
    setWizardStyle(QWizard::ModernStyle);
    setOption(QWizard::NoBackButtonOnLastPage, false);
    setPixmap(QWizard::LogoPixmap, Icons::application().pixmap(48, 48));
    setMinimumSize(620, 440);

    m_destination->setObjectName(QStringLiteral("hostAddressEdit"));
    m_destination->setPlaceholderText(tr("e.g. web1.example.org, 192.0.2.10 or an alias"));
    auto* completer = new QCompleter(sshConfigAliases, this);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    m_destination->setCompleter(completer);
    m_resolved->setObjectName(QStringLiteral("destinationResolvedLabel"));
    m_resolved->setProperty("role", QStringLiteral("muted"));
    m_resolved->setWordWrap(true);
    connect(m_destination, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_resolved->setText(m_describe && !text.trimmed().isEmpty() ? m_describe(text.trimmed()) : QString());
        // An empty row would leave a gap between the address and the user.
        if (auto* form = qobject_cast<QFormLayout*>(m_resolved->parentWidget() ? m_resolved->parentWidget()->layout() : nullptr))
            form->setRowVisible(m_resolved, !m_resolved->text().isEmpty());
    });
    m_name->setObjectName(QStringLiteral("hostNameEdit"));
    m_name->setPlaceholderText(tr("defaults to the address"));
    m_user->setObjectName(QStringLiteral("hostUserEdit"));
    // What ssh(1) would log in as: the local account's name, also when $USER is not set
    // (a desktop session started without a login shell, a container).
    m_user->setPlaceholderText(tr("from ~/.ssh/config, else %1").arg(app::SshTarget{}.effectiveUser()));
    m_port->setObjectName(QStringLiteral("hostPortSpin"));
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("from ~/.ssh/config, else 22"));
    m_port->setValue(0);
    m_keyFile->setObjectName(QStringLiteral("keyFileEdit"));
    m_keyFile->setPlaceholderText(QDir::homePath() + QStringLiteral("/.ssh/id_ed25519"));
    m_password->setObjectName(QStringLiteral("passwordEdit"));
    m_password->setEchoMode(QLineEdit::Password);
    m_remember->setObjectName(QStringLiteral("rememberPasswordCheck"));
    m_remember->setChecked(false);
    m_progress->setObjectName(QStringLiteral("deployProgress"));
    m_progress->setRange(0, 100);
    m_step->setObjectName(QStringLiteral("deployStepLabel"));
    m_step->setWordWrap(true);
    m_banner->setObjectName(QStringLiteral("deployBanner"));
    m_banner->setClosable(false);

    addPage(new DestinationPage(m_destination, m_resolved, m_name, m_user, m_port));
    addPage(new AuthPage(m_authGroup, m_keyFile, m_password, m_remember));
    addPage(new DeployPage(this));
    button(QWizard::FinishButton)->setObjectName(QStringLiteral("wizardFinishButton"));
    button(QWizard::NextButton)->setObjectName(QStringLiteral("wizardNextButton"));
}

AddHostWizard::Spec AddHostWizard::spec() const {
    Spec s;
    s.destination = m_destination->text().trimmed();
    s.name = m_name->text().trimmed();
    if (s.name.isEmpty()) {
        // The host part names it in the sidebar ("web1" for deploy@web1).
        const auto parsed = app::parseDestination(s.destination);
        const auto* d = std::get_if<app::Destination>(&parsed);
        s.name = d ? d->host : s.destination;
    }
    s.user = m_user->text().trimmed();
    s.port = m_port->value();
    s.auth = static_cast<Auth>(m_authGroup->checkedId());
    s.keyFile = m_keyFile->text().trimmed();
    s.rememberPassword = m_remember->isChecked();
    return s;
}

void AddHostWizard::setDestinationDescriber(std::function<QString(const QString&)> describe) {
    m_describe = std::move(describe);
}

QString AddHostWizard::password() const { return m_password->text(); }

void AddHostWizard::reject() {
    if (std::exchange(m_running, false)) emit cancelRequested();
    QWizard::reject();
}

void AddHostWizard::setProgress(int percent, const QString& step) {
    m_progress->setValue(std::clamp(percent, 0, 100));
    m_step->setText(step);
}

void AddHostWizard::setFailed(const QString& what, const QString& whatToDo) {
    m_running = false;
    m_deployed = false;
    m_banner->showMessage(MessageBanner::Level::Error, what, whatToDo);
    auto* deployPage = static_cast<DeployPage*>(page(pageIds().last()));
    auto* retry = m_banner->addAction(tr("Try again"), [deployPage] { deployPage->start(); });
    retry->setObjectName(QStringLiteral("retryDeployButton"));
    deployPage->changed();
}

void AddHostWizard::setSucceeded(const QString& summary) {
    m_running = false;
    m_deployed = true;
    m_progress->setValue(100);
    m_step->setText(tr("Done"));
    m_banner->showMessage(MessageBanner::Level::Positive, tr("The host is ready."), summary);
    static_cast<DeployPage*>(page(pageIds().last()))->changed();
}

}  // namespace fulcrum::ui
