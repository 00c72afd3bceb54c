#include "ui/pages/RebootPage.h"

#include "ui/Icons.h"
#include "ui/Settings.h"
#include "ui/widgets/Card.h"
#include "ui/widgets/MessageBanner.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

namespace fulcrum::ui {

RebootPage::RebootPage(QWidget* parent)
    : SectionPage(QStringLiteral("rebootPage"), QStringLiteral("reboot"), parent), m_hosts(new QListWidget),
      m_command(new QLineEdit), m_rolling(new QCheckBox(tr("Rolling: one host at a time, drained from other hosts' pools first"))),
      m_stability(new QSpinBox),
      m_start(new QPushButton(Icons::get(QStringLiteral("reboot"), Qt::white), tr("Reboot and verify"))),
      m_cancel(new QPushButton(tr("Stop watching"))), m_preflight(new QLabel), m_verdict(new MessageBanner),
      m_timeline(new Timeline), m_idle(new QLabel) {
    auto* split = new QHBoxLayout;
    split->setSpacing(14);

    auto* setup = new Card(tr("Plan"), QStringLiteral("settings"));
    setup->setFixedWidth(360);
    auto* hostsLabel = new QLabel(tr("Hosts to reboot"));
    hostsLabel->setProperty("role", QStringLiteral("muted"));
    setup->body()->addWidget(hostsLabel);
    m_hosts->setObjectName(QStringLiteral("rebootHostList"));
    m_hosts->setMaximumHeight(140);
    setup->body()->addWidget(m_hosts);
    auto* form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignLeft);
    m_command->setObjectName(QStringLiteral("rebootCommandEdit"));
    m_command->setText(settings()->get(Settings::Key::RebootCommand).toString());
    m_command->setToolTip(tr("Run on the host to reboot it. The default needs a sudo rule for systemctl reboot."));
    form->addRow(tr("Command"), m_command);
    m_stability->setObjectName(QStringLiteral("stabilityWindowSpin"));
    m_stability->setRange(0, 3600);
    m_stability->setSuffix(tr(" s"));
    m_stability->setValue(settings()->get(Settings::Key::RebootStabilitySeconds).toInt());
    m_stability->setToolTip(tr("How long everything must stay healthy after it came back"));
    form->addRow(tr("Stable for"), m_stability);
    setup->body()->addLayout(form);
    m_rolling->setObjectName(QStringLiteral("rollingModeCheck"));
    m_rolling->setChecked(settings()->get(Settings::Key::RebootRollingMode).toBool());
    setup->body()->addWidget(m_rolling);
    m_preflight->setObjectName(QStringLiteral("rebootPreflightLabel"));
    m_preflight->setWordWrap(true);
    m_preflight->hide();
    setup->body()->addWidget(m_preflight);
    setup->body()->addStretch(1);
    m_start->setObjectName(QStringLiteral("startRebootButton"));
    m_start->setProperty("primary", true);
    m_cancel->setObjectName(QStringLiteral("cancelRebootButton"));
    m_cancel->setEnabled(false);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    buttons->addWidget(m_start);
    setup->body()->addLayout(buttons);
    split->addWidget(setup);

    auto* progress = new Card(tr("Verification"), QStringLiteral("check-circle"));
    m_verdict->setObjectName(QStringLiteral("rebootVerdictBanner"));
    m_verdict->setClosable(false);
    progress->body()->addWidget(m_verdict);
    m_idle->setObjectName(QStringLiteral("rebootIdleLabel"));
    m_idle->setWordWrap(true);
    m_idle->setProperty("role", QStringLiteral("muted"));
    m_idle->setText(tr("Fulcrum records the boot id, reboots the host, watches it go down and come back, then checks in "
                       "order: the agent was started by boot persistence, every worker runs and passes its health "
                       "check, every listener is bound, requests from this computer reach every upstream, and all "
                       "stays healthy for the stability window. Each step shows its time, duration and evidence."));
    progress->body()->addWidget(m_idle);
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setWidget(m_timeline);
    scroll->setFrameShape(QFrame::NoFrame);
    progress->body()->addWidget(scroll, 1);
    split->addWidget(progress, 1);
    contentLayout()->addLayout(split, 1);

    connect(m_start, &QPushButton::clicked, this, [this] {
        const Options o = options();
        if (o.hostIds.isEmpty()) {
            showError(tr("Choose at least one host to reboot."), QString());
            return;
        }
        settings()->set(Settings::Key::RebootCommand, o.command);
        settings()->set(Settings::Key::RebootRollingMode, o.rolling);
        settings()->set(Settings::Key::RebootStabilitySeconds, o.stabilitySeconds);
        emit startRequested(o);
    });
    connect(m_cancel, &QPushButton::clicked, this, &RebootPage::cancelRequested);
}

void RebootPage::setHosts(const QList<QPair<QString, QString>>& idAndName, const QString& preselected) {
    QStringList checked = options().hostIds;
    if (checked.isEmpty()) checked << preselected;
    m_hosts->clear();
    for (const auto& [id, name] : idAndName) {
        auto* item = new QListWidgetItem(Icons::get(QStringLiteral("server")), name, m_hosts);
        item->setData(Qt::UserRole, id);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(checked.contains(id) ? Qt::Checked : Qt::Unchecked);
    }
}

RebootPage::Options RebootPage::options() const {
    Options o;
    for (int i = 0; i < m_hosts->count(); ++i) {
        if (m_hosts->item(i)->checkState() == Qt::Checked) o.hostIds << m_hosts->item(i)->data(Qt::UserRole).toString();
    }
    o.command = m_command->text().trimmed();
    o.rolling = m_rolling->isChecked();
    o.stabilitySeconds = m_stability->value();
    return o;
}

void RebootPage::setRunning(bool running) {
    m_running = running;
    m_start->setEnabled(!running && m_rebootable);
    m_cancel->setEnabled(running);
    m_hosts->setEnabled(!running);
    m_command->setEnabled(!running);
    m_rolling->setEnabled(!running);
    m_stability->setEnabled(!running);
    if (running) {
        m_idle->hide();
        clearVerdict();
    }
}

void RebootPage::setVerdict(bool passed, const QString& summary, const QString& details) {
    m_verdict->showMessage(passed ? MessageBanner::Level::Positive : MessageBanner::Level::Error, summary, details);
}

void RebootPage::clearVerdict() { m_verdict->hide(); }

void RebootPage::setRebootable(bool rebootable, const QString& why) {
    m_rebootable = rebootable;
    m_start->setEnabled(rebootable && !m_running);
    m_start->setToolTip(rebootable ? QString() : why);
}

void RebootPage::setPreflightWarning(const QString& text) {
    m_preflight->setText(text);
    m_preflight->setVisible(!text.isEmpty());
}

}  // namespace fulcrum::ui
