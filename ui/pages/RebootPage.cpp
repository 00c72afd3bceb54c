#include "ui/pages/RebootPage.h"

#include "ui/Icons.h"
#include "ui/Settings.h"
#include "ui/widgets/Card.h"
#include "ui/widgets/MessageBanner.h"

#include <QCheckBox>
#include <QEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSet>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace fulcrum::ui {

namespace {
QLabel* mutedLabel(const QString& text = {}) {
    auto* label = new QLabel(text);
    label->setWordWrap(true);
    label->setProperty("role", QStringLiteral("muted"));
    return label;
}
}  // namespace

RebootPage::RebootPage(QWidget* parent)
    : SectionPage(QStringLiteral("rebootPage"), QStringLiteral("reboot"), parent), m_hosts(new QListWidget),
      m_noHosts(mutedLabel()), m_command(new QLineEdit), m_rolling(new QCheckBox(tr("Rolling reboot"))),
      m_rollingNote(mutedLabel()), m_stability(new QSpinBox),
      m_start(new QPushButton(Icons::get(QStringLiteral("reboot"), Qt::white), tr("Reboot and verify"))),
      m_cancel(new QPushButton(Icons::get(QStringLiteral("stop")), tr("Stop"))), m_note(mutedLabel()),
      m_progressText(mutedLabel()), m_progress(new QProgressBar), m_verdict(new MessageBanner),
      m_timeline(new Timeline), m_timelineArea(new QWidget), m_scroll(new QScrollArea), m_idle(mutedLabel()) {
    auto* split = new QHBoxLayout;
    split->setSpacing(14);

    auto* setup = new Card(tr("Plan"), QStringLiteral("settings"));
    // Narrower when the window is (down to what its buttons need): the steps beside it need
    // the room more.
    setup->setMinimumWidth(290);
    setup->setMaximumWidth(360);
    auto* hostsLabel = new QLabel(tr("Hosts to reboot, one after another"));
    hostsLabel->setProperty("role", QStringLiteral("sectionLabel"));
    setup->body()->addWidget(hostsLabel);
    m_hosts->setObjectName(QStringLiteral("rebootHostList"));
    m_hosts->setIconSize(QSize(20, 20));
    m_hosts->setSpacing(2);
    m_hosts->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_hosts->setTextElideMode(Qt::ElideMiddle);
    setup->body()->addWidget(m_hosts);
    m_noHosts->setObjectName(QStringLiteral("rebootNoHostsLabel"));
    m_noHosts->hide();
    setup->body()->addWidget(m_noHosts);

    auto* howLabel = new QLabel(tr("How"));
    howLabel->setProperty("role", QStringLiteral("sectionLabel"));
    setup->body()->addSpacing(6);
    setup->body()->addWidget(howLabel);
    auto* form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignLeft);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_command->setObjectName(QStringLiteral("rebootCommandEdit"));
    m_command->setText(settings()->get(Settings::Key::RebootCommand).toString());
    m_command->setToolTip(tr("Run on the host, as the user Fulcrum logs in as, to reboot it. The default needs a sudo "
                             "rule that allows systemctl reboot without a password."));
    form->addRow(tr("Command"), m_command);
    m_stability->setObjectName(QStringLiteral("stabilityWindowSpin"));
    m_stability->setRange(0, 3600);
    m_stability->setSuffix(tr(" s"));
    m_stability->setButtonSymbols(QAbstractSpinBox::NoButtons);
    m_stability->setValue(settings()->get(Settings::Key::RebootStabilitySeconds).toInt());
    m_stability->setToolTip(tr("How long everything must stay healthy after the host came back"));
    form->addRow(tr("Stable for"), m_stability);
    setup->body()->addLayout(form);
    m_rolling->setObjectName(QStringLiteral("rollingModeCheck"));
    m_rolling->setChecked(settings()->get(Settings::Key::RebootRollingMode).toBool());
    setup->body()->addWidget(m_rolling);
    m_rollingNote->setObjectName(QStringLiteral("rollingModeNote"));
    m_rollingNote->setText(tr("Before a host goes down, its servers are drained from the other hosts' pools and "
                              "put back once it is verified."));
    setup->body()->addWidget(m_rollingNote);
    setup->body()->addStretch(1);
    m_note->setObjectName(QStringLiteral("rebootPreflightLabel"));
    m_note->hide();
    setup->body()->addWidget(m_note);
    m_start->setObjectName(QStringLiteral("startRebootButton"));
    m_start->setProperty("primary", true);
    m_cancel->setObjectName(QStringLiteral("cancelRebootButton"));
    m_cancel->setToolTip(tr("Stop the checks. A reboot that was already issued cannot be taken back."));
    m_cancel->setEnabled(false);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    buttons->addWidget(m_start);
    setup->body()->addLayout(buttons);
    split->addWidget(setup);

    auto* progress = new Card(tr("Verification"), QStringLiteral("check-circle"));
    m_progress->setObjectName(QStringLiteral("rebootProgressBar"));
    m_progress->setTextVisible(false);
    // Shrinks with the card rather than widening the page past a narrow window.
    m_progress->setMinimumWidth(60);
    m_progress->setMaximumWidth(180);
    m_progress->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_progress->setFixedHeight(8);
    m_progress->hide();
    progress->addHeaderWidget(m_progress);
    m_progressText->setObjectName(QStringLiteral("rebootProgressLabel"));
    // "Host 1 of 2 · name — step 8 of 11: …" is longer than a narrow card: it wraps.
    m_progressText->setWordWrap(true);
    m_progressText->hide();
    progress->body()->addWidget(m_progressText);
    m_verdict->setObjectName(QStringLiteral("rebootVerdictBanner"));
    m_verdict->setClosable(false);
    progress->body()->addWidget(m_verdict);
    m_idle->setObjectName(QStringLiteral("rebootIdleLabel"));
    m_idle->setText(tr("Fulcrum records the boot id, runs the reboot command, watches the host go down and come back, "
                       "then checks each step below in order. Every step shows when it started, how long it took "
                       "and what was seen; a red step shows the evidence, such as a worker's last log lines."));
    progress->body()->addWidget(m_idle);
    auto* scroll = m_scroll;
    scroll->setObjectName(QStringLiteral("rebootTimelineScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // The style's own scroll bar, as in every other list of the panel (a slim custom one here
    // looked like a different program, and nearly vanished in the dark palette).
    auto* area = new QVBoxLayout(m_timelineArea);
    area->setContentsMargins(0, 0, 0, 0);
    area->addWidget(m_timeline);
    area->addStretch(1);
    scroll->setWidget(m_timelineArea);
    // With horizontal scrolling off, steps wider than the card would be cut mid-word: the card
    // asks for what the steps need (the window's minimum width follows), kept up to date as
    // steps and headings come and go.
    m_timelineArea->installEventFilter(this);
    progress->body()->addWidget(scroll, 1);
    split->addWidget(progress, 1);
    contentLayout()->addLayout(split, 1);

    connect(m_hosts, &QListWidget::itemChanged, this, [this] { updateStartButton(); });
    connect(m_start, &QPushButton::clicked, this, [this] {
        const Options o = options();
        if (o.hostIds.isEmpty()) {
            showError(tr("Choose at least one host to reboot."), tr("Tick the hosts in the list on the left."));
            return;
        }
        if (o.command.isEmpty()) {
            showError(tr("The reboot command is empty."), tr("Enter the command that reboots the host, for example "
                                                             "sudo -n systemctl reboot."));
            return;
        }
        banner()->hide();
        settings()->set(Settings::Key::RebootCommand, o.command);
        if (m_rollingAvailable) settings()->set(Settings::Key::RebootRollingMode, o.rolling);
        settings()->set(Settings::Key::RebootStabilitySeconds, o.stabilitySeconds);
        emit startRequested(o);
    });
    connect(m_cancel, &QPushButton::clicked, this, &RebootPage::cancelRequested);
    updateStartButton();
}

bool RebootPage::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_timelineArea && event->type() == QEvent::LayoutRequest) {
        m_scroll->setMinimumWidth(m_timelineArea->minimumSizeHint().width() + m_scroll->verticalScrollBar()->sizeHint().width());
    }
    return SectionPage::eventFilter(watched, event);
}

void RebootPage::setHosts(const QList<HostChoice>& hosts, const QString& emptyText) {
    // Keep what the user ticked; a host that could not be ticked before (new, or not
    // connected until now) starts as `preselected` says.
    QSet<QString> known, checked;
    for (int i = 0; i < m_hosts->count(); ++i) {
        const QString id = m_hosts->item(i)->data(Qt::UserRole).toString();
        if (m_hosts->item(i)->flags() & Qt::ItemIsEnabled) known.insert(id);
        if (m_hosts->item(i)->checkState() == Qt::Checked) checked.insert(id);
    }
    const QSignalBlocker block(m_hosts);
    m_hosts->clear();
    for (const HostChoice& h : hosts) {
        auto* item = new QListWidgetItem(Icons::get(QStringLiteral("server")),
                                         h.detail.isEmpty() ? h.name : h.name + QLatin1Char('\n') + h.detail,
                                         m_hosts);
        item->setData(Qt::UserRole, h.id);
        item->setToolTip(h.detail);
        Qt::ItemFlags flags = Qt::ItemIsUserCheckable | Qt::ItemIsSelectable;
        if (h.available) flags |= Qt::ItemIsEnabled;
        item->setFlags(flags);
        const bool on = known.contains(h.id) ? checked.contains(h.id) : h.preselected;
        item->setCheckState(on && h.available ? Qt::Checked : Qt::Unchecked);
    }
    // As tall as its hosts (up to five or so), not a big empty box for one server.
    int height = 2 * m_hosts->frameWidth() + 2;
    for (int i = 0; i < m_hosts->count(); ++i) height += m_hosts->sizeHintForRow(i) + 2 * m_hosts->spacing();
    m_hosts->setFixedHeight(std::clamp(height, 48, 200));
    m_hosts->setVisible(!hosts.isEmpty());
    m_noHosts->setText(emptyText);
    m_noHosts->setVisible(hosts.isEmpty() && !emptyText.isEmpty());
    updateStartButton();
}

RebootPage::Options RebootPage::options() const {
    Options o;
    for (int i = 0; i < m_hosts->count(); ++i) {
        const QListWidgetItem* item = m_hosts->item(i);
        if (item->checkState() == Qt::Checked && (item->flags() & Qt::ItemIsEnabled))
            o.hostIds << item->data(Qt::UserRole).toString();
    }
    o.command = m_command->text().trimmed();
    o.rolling = m_rollingAvailable && m_rolling->isChecked();
    o.stabilitySeconds = m_stability->value();
    return o;
}

void RebootPage::setRunning(bool running) {
    m_running = running;
    m_cancel->setEnabled(running);
    m_hosts->setEnabled(!running);
    m_command->setEnabled(!running);
    m_stability->setEnabled(!running);
    m_rolling->setEnabled(m_rollingAvailable && !running);
    m_progress->setVisible(running);
    m_progressText->setVisible(running);
    if (running) {
        m_idle->hide();
        clearVerdict();
        banner()->hide();
    }
    updateStartButton();
}

void RebootPage::ensureStepVisible(const QString& id) {
    // After the layout has placed a row that was just added or grew.
    QTimer::singleShot(0, this, [this, id] {
        if (QWidget* row = m_timeline->stepWidget(id)) m_scroll->ensureWidgetVisible(row, 0, 24);
    });
}

void RebootPage::setProgress(const QString& text, int done, int total) {
    m_progressText->setText(text);
    m_progress->setRange(0, std::max(1, total));
    m_progress->setValue(std::clamp(done, 0, std::max(1, total)));
}

void RebootPage::setVerdict(bool passed, const QString& summary, const QString& details) {
    m_verdict->showMessage(passed ? MessageBanner::Level::Positive : MessageBanner::Level::Error, summary, details);
}

void RebootPage::setCancelled(const QString& summary, const QString& details) {
    m_verdict->showMessage(MessageBanner::Level::Warning, summary, details);
}

void RebootPage::clearVerdict() { m_verdict->hide(); }

void RebootPage::askConfirmation(const QString& text, const QString& details) {
    m_verdict->showMessage(MessageBanner::Level::Warning, text, details);
    auto* yes = m_verdict->addAction(tr("Reboot anyway"), [this] { emit confirmed(); });
    yes->setObjectName(QStringLiteral("confirmRebootButton"));
    auto* no = m_verdict->addAction(tr("Don't reboot"), [this] { emit declined(); });
    no->setObjectName(QStringLiteral("declineRebootButton"));
}

void RebootPage::setRebootable(bool rebootable, const QString& why) {
    m_rebootable = rebootable;
    m_notRebootableWhy = why;
    updateStartButton();
}

void RebootPage::setRollingAvailable(bool available, const QString& why) {
    m_rollingAvailable = available;
    m_rolling->setEnabled(available && !m_running);
    m_rolling->setVisible(available);  // unavailable: the note alone says so and why
    if (!available) m_rolling->setChecked(false);
    else m_rolling->setChecked(settings()->get(Settings::Key::RebootRollingMode).toBool());
    m_rolling->setToolTip(why);
    m_rollingNote->setText(available ? tr("Before a host goes down, its servers are drained from the other hosts' "
                                          "pools and put back once it is verified.")
                                     : why);
}

void RebootPage::updateStartButton() {
    const bool anyChecked = !options().hostIds.isEmpty();
    m_start->setEnabled(m_rebootable && !m_running && anyChecked);
    m_start->setToolTip(!m_rebootable ? m_notRebootableWhy
                        : anyChecked  ? tr("Reboot the ticked hosts one after another and verify each")
                                      : tr("Tick at least one host"));
    m_note->setText(m_rebootable ? QString() : m_notRebootableWhy);
    m_note->setVisible(!m_rebootable && !m_notRebootableWhy.isEmpty());
}

}  // namespace fulcrum::ui
