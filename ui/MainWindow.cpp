#include "ui/MainWindow.h"
#include "ui/Plural.h"

#include "ui/HostListDelegate.h"
#include "ui/HostPage.h"
#include "ui/Icons.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/dialogs/AboutDialog.h"
#include "ui/ui_MainWindow.h"
#include "ui/widgets/EmptyState.h"
#include "ui/widgets/MessageBanner.h"

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QLabel>
#include <QPushButton>
#include <QPainter>
#include <QMenuBar>
#include <QMessageBox>
#include <QStandardItemModel>
#include <QStatusBar>

namespace fulcrum::ui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_ui(new Ui::MainWindow), m_hosts(new QStandardItemModel(this)),
      m_welcome(new EmptyState(QStringLiteral("server"), tr("No host selected"),
                               tr("Add a server you reach with SSH, or pick \"This computer\" to manage this machine "
                                  "without SSH."))),
      m_windowBanner(new MessageBanner), m_statusDot(new QLabel), m_statusText(new QLabel), m_statusHosts(new QLabel) {
    m_ui->setupUi(this);
    setWindowIcon(Icons::application());
    m_ui->sidebar->setAttribute(Qt::WA_StyledBackground);
    m_ui->brandIcon->setPixmap(Icons::application().pixmap(36, 36));
    m_ui->hostList->setModel(m_hosts);
    m_ui->hostList->setItemDelegate(new HostListDelegate(m_ui->hostList));
    m_ui->hostList->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_ui->hostList->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_ui->addHostButton->setIcon(Icons::get(QStringLiteral("add")));
    m_ui->addHostButton->setToolTip(tr("Add a host (Ctrl+N)"));
    m_ui->removeHostButton->setIcon(Icons::get(QStringLiteral("trash")));
    m_ui->removeHostButton->setToolTip(tr("Remove the selected host from Fulcrum (its server is left untouched)"));
    m_ui->mainSplitter->setStretchFactor(1, 1);
    m_ui->mainSplitter->setSizes({260, 1020});

    m_windowBanner->setObjectName(QStringLiteral("windowBanner"));
    m_ui->contentLayout->insertWidget(0, m_windowBanner);
    m_ui->contentLayout->setContentsMargins(0, 0, 0, 0);
    m_ui->hostPages->addWidget(m_welcome);
    connect(m_welcome, &EmptyState::actionTriggered, this, &MainWindow::addHostRequested);
    m_welcome->setAction(tr("Add a host"), QStringLiteral("add"))->setObjectName(QStringLiteral("welcomeAddHostButton"));

    m_statusDot->setObjectName(QStringLiteral("statusDot"));
    m_statusText->setObjectName(QStringLiteral("connectionStatusLabel"));
    m_statusHosts->setObjectName(QStringLiteral("hostsSummaryLabel"));
    m_statusHosts->setProperty("role", QStringLiteral("muted"));
    statusBar()->setContentsMargins(8, 0, 8, 0);
    statusBar()->addWidget(m_statusDot);
    statusBar()->addWidget(m_statusText, 1);
    statusBar()->addPermanentWidget(m_statusHosts);

    connect(m_ui->addHostButton, &QToolButton::clicked, this, &MainWindow::addHostRequested);
    connect(m_ui->removeHostButton, &QToolButton::clicked, this, [this] {
        if (!currentHostId().isEmpty()) emit removeHostRequested(currentHostId());
    });
    connect(m_ui->hostList->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& index) {
        HostPage* page = index.isValid() ? m_pages.value(index.data(HostIdRole).toString()) : nullptr;
        m_ui->hostPages->setCurrentWidget(page ? static_cast<QWidget*>(page) : m_welcome);
        if (page) settings()->set(Settings::Key::LastHost, page->hostId());
        updateStatusBar();
        updateActions();
        emit currentHostChanged(page ? page->hostId() : QString());
    });
    connect(Theme::instance(), &Theme::changed, this, [this] {
        m_ui->hostList->viewport()->update();
        updateStatusBar();
    });

    createMenus();
    restoreState();
    updateStatusBar();
    updateActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::createMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* add = file->addAction(Icons::get(QStringLiteral("add")), tr("&Add host…"), this, &MainWindow::addHostRequested);
    add->setShortcut(QKeySequence::New);
    add->setObjectName(QStringLiteral("addHostAction"));
    m_removeHostAction = file->addAction(Icons::get(QStringLiteral("trash")), tr("&Remove host…"), this, [this] {
        if (!currentHostId().isEmpty()) emit removeHostRequested(currentHostId());
    });
    m_removeHostAction->setObjectName(QStringLiteral("removeHostAction"));
    m_ui->hostList->addAction(m_removeHostAction);
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    auto* host = menuBar()->addMenu(tr("&Host"));
    m_connectAction = host->addAction(Icons::get(QStringLiteral("connect")), tr("&Connect / disconnect"), this, [this] {
        if (auto* page = currentHostPage()) {
            if (page->state() == HostState::Disconnected || page->state() == HostState::Unreachable ||
                page->state() == HostState::Error) {
                emit page->connectRequested();
            } else {
                emit page->disconnectRequested();
            }
        }
    });
    m_connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    auto* deploy = host->addAction(Icons::get(QStringLiteral("deploy")), tr("&Update agent"), this, [this] {
        if (auto* page = currentHostPage()) emit page->deployRequested();
    });
    deploy->setObjectName(QStringLiteral("deployAgentAction"));
    m_stopDemoAction = host->addAction(Icons::get(QStringLiteral("stop")), tr("&Stop the demo…"), this, [this] {
        if (auto* page = currentHostPage(); page && page->canStopDemo()) emit page->stopDemoRequested();
    });
    m_stopDemoAction->setObjectName(QStringLiteral("stopDemoAction"));
    m_stopDemoAction->setToolTip(tr("Stop the agent on this computer with the demo's workers and proxy"));
    host->addSeparator();
    auto* next = host->addAction(tr("&Next host"), this, [this] {
        const int row = m_ui->hostList->currentIndex().row();
        if (row + 1 < m_hosts->rowCount()) m_ui->hostList->setCurrentIndex(m_hosts->index(row + 1, 0));
    });
    next->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageDown));
    auto* previous = host->addAction(tr("&Previous host"), this, [this] {
        const int row = m_ui->hostList->currentIndex().row();
        if (row > 0) m_ui->hostList->setCurrentIndex(m_hosts->index(row - 1, 0));
    });
    previous->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageUp));

    auto* view = menuBar()->addMenu(tr("&View"));
    const QStringList sections{tr("&Overview"), tr("&Pools"), tr("&Workers"), tr("&Traffic"), tr("&Static && HTTPS"),
                               tr("&Reboot && verify")};
    for (int i = 0; i < sections.size(); ++i) {
        auto* action = view->addAction(sections[i], this, [this, i] {
            if (auto* page = currentHostPage()) page->setSection(i);
        });
        action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
        action->setObjectName(QStringLiteral("showSection%1Action").arg(i));
        m_sectionActions << action;
    }
    view->addSeparator();
    auto* appearance = view->addMenu(tr("&Appearance"));
    auto* group = new QActionGroup(this);
    const QList<QPair<Appearance, QString>> choices{{Appearance::System, tr("Follow the &system")},
                                                    {Appearance::Light, tr("&Light")},
                                                    {Appearance::Dark, tr("&Dark")}};
    for (const auto& [mode, text] : choices) {
        auto* action = appearance->addAction(text);
        action->setCheckable(true);
        action->setChecked(Theme::instance()->appearance() == mode);
        action->setObjectName(QStringLiteral("appearance_") + Theme::name(mode));
        group->addAction(action);
        connect(action, &QAction::triggered, this, [chosen = mode] {
            Theme::instance()->setAppearance(chosen);
            settings()->set(Settings::Key::Appearance, Theme::name(chosen));
        });
    }

    auto* help = menuBar()->addMenu(tr("&Help"));
    auto* about = help->addAction(Icons::get(QStringLiteral("info")), tr("&About Fulcrum"), this, [this] {
        AboutDialog dialog(this);
        dialog.exec();
    });
    about->setMenuRole(QAction::AboutRole);
    about->setObjectName(QStringLiteral("aboutAction"));
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::restoreState() {
    const QByteArray geometry = settings()->get(Settings::Key::MainWindowGeometry).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry)) resize(1280, 820);
    const QByteArray splitter = settings()->get(Settings::Key::MainSplitterState).toByteArray();
    if (!splitter.isEmpty()) m_ui->mainSplitter->restoreState(splitter);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    settings()->set(Settings::Key::MainWindowGeometry, saveGeometry());
    settings()->set(Settings::Key::MainSplitterState, m_ui->mainSplitter->saveState());
    if (auto* page = currentHostPage()) settings()->set(Settings::Key::LastSection, page->section());
    event->accept();
}

HostPage* MainWindow::addHost(const QString& id, const QString& name, const QString& subtitle, bool local) {
    if (auto* existing = m_pages.value(id)) return existing;
    auto* item = new QStandardItem(name);
    item->setData(id, HostIdRole);
    item->setData(int(HostState::Disconnected), HostStateRole);
    item->setData(HostStatusText::line(HostState::Disconnected, {}), HostStatusLineRole);
    item->setData(local, HostLocalRole);
    item->setData(subtitle, HostSubtitleRole);
    item->setToolTip(subtitle);
    m_hosts->appendRow(item);
    auto* page = new HostPage(id);
    page->setTitle(name, subtitle);
    page->setLocal(local);
    page->setSection(settings()->get(Settings::Key::LastSection).toInt());
    connect(page, &HostPage::sectionChanged, this, [](int section) { settings()->set(Settings::Key::LastSection, section); });
    connect(page, &HostPage::actionsChanged, this, &MainWindow::updateActions);
    m_pages.insert(id, page);
    m_ui->hostPages->addWidget(page);
    if (!m_ui->hostList->currentIndex().isValid() || settings()->get(Settings::Key::LastHost).toString() == id) {
        m_ui->hostList->setCurrentIndex(item->index());
    }
    updateStatusBar();
    return page;
}

void MainWindow::removeHost(const QString& id) {
    const int row = rowOf(id);
    if (row < 0) return;
    m_hosts->removeRow(row);
    if (auto* page = m_pages.take(id)) page->deleteLater();
    if (m_hosts->rowCount() == 0) m_ui->hostPages->setCurrentWidget(m_welcome);
    updateStatusBar();
    updateActions();
}

void MainWindow::setHostState(const QString& id, HostState state, const QString& detail) {
    const int row = rowOf(id);
    if (row < 0) return;
    auto* item = m_hosts->item(row);
    item->setData(int(state), HostStateRole);
    item->setData(detail, HostDetailRole);
    item->setData(HostStatusText::line(state, detail), HostStatusLineRole);
    // The sidebar elides a long reason ("Unreachable · Could not conne…"); hovering shows it whole.
    const QString subtitle = item->data(HostSubtitleRole).toString();
    item->setToolTip(subtitle.isEmpty() ? HostStatusText::line(state, detail)
                                        : subtitle + QLatin1Char('\n') + HostStatusText::line(state, detail));
    if (auto* page = m_pages.value(id)) page->setState(state, detail);
    updateStatusBar();
    updateActions();
}

HostPage* MainWindow::hostPage(const QString& id) const { return m_pages.value(id); }

HostPage* MainWindow::currentHostPage() const { return m_pages.value(currentHostId()); }

QString MainWindow::currentHostId() const { return m_ui->hostList->currentIndex().data(HostIdRole).toString(); }

void MainWindow::selectHost(const QString& id) {
    const int row = rowOf(id);
    if (row >= 0) m_ui->hostList->setCurrentIndex(m_hosts->index(row, 0));
}

QStringList MainWindow::hostIds() const {
    QStringList ids;
    for (int i = 0; i < m_hosts->rowCount(); ++i) ids << m_hosts->item(i)->data(HostIdRole).toString();
    return ids;
}

int MainWindow::rowOf(const QString& id) const {
    for (int i = 0; i < m_hosts->rowCount(); ++i) {
        if (m_hosts->item(i)->data(HostIdRole).toString() == id) return i;
    }
    return -1;
}

void MainWindow::showRootWarning() {
    m_windowBanner->showMessage(
        MessageBanner::Level::Warning, tr("Fulcrum is running as root."),
        tr("So do the agent, its workers and the proxy on this computer (--allow-root, meant for containers and "
           "demos): a bug in any of them would own the whole machine. Run Fulcrum as your normal user."));
    m_windowBanner->setClosable(false);
}

void MainWindow::updateStatusBar() {
    const QModelIndex current = m_ui->hostList->currentIndex();
    int connected = 0;
    for (int i = 0; i < m_hosts->rowCount(); ++i) {
        if (m_hosts->item(i)->data(HostStateRole).toInt() == int(HostState::Connected)) ++connected;
    }
    m_statusHosts->setText(plural(m_hosts->rowCount(), "%1 host", "%1 hosts") + tr(" · %1 connected").arg(connected));
    if (!current.isValid()) {
        m_statusDot->clear();
        m_statusText->setText(tr("Ready"));
        return;
    }
    const auto state = static_cast<HostState>(current.data(HostStateRole).toInt());
    QPixmap dot(10, 10);
    dot.fill(Qt::transparent);
    {
        QPainter p(&dot);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(HostStatusText::color(state));
        p.drawEllipse(1, 1, 8, 8);
    }
    m_statusDot->setPixmap(dot);
    // With nothing more to say than the state's name, the bar adds what to do about it.
    const QString label = HostStatusText::label(state);
    const QString line = current.data(HostDetailRole).toString().isEmpty()
                             ? label + (label.endsWith(QChar(0x2026)) ? QStringLiteral(" ") : QStringLiteral(". ")) +
                                   HostStatusText::hint(state)
                             : current.data(HostStatusLineRole).toString();
    m_statusText->setText(QStringLiteral("%1 — %2").arg(current.data(Qt::DisplayRole).toString(), line));
}

void MainWindow::updateActions() {
    const bool any = currentHostPage() != nullptr;
    const bool local = m_ui->hostList->currentIndex().data(HostLocalRole).toBool();
    m_removeHostAction->setEnabled(any && !local);
    m_ui->removeHostButton->setEnabled(any && !local);
    m_connectAction->setEnabled(any);
    m_stopDemoAction->setEnabled(any && currentHostPage()->canStopDemo());
    for (auto* a : m_sectionActions) a->setEnabled(any);
}

}  // namespace fulcrum::ui
