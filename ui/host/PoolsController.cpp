#include "ui/host/PoolsController.h"
#include "ui/Plural.h"

#include "app/models/config_history_model.h"
#include "app/models/format.h"
#include "app/models/pool_list_model.h"
#include "app/models/pool_server_model.h"
#include "app/models/staged_config.h"
#include "ui/Icons.h"
#include "ui/Theme.h"
#include "ui/pages/PoolsPage.h"
#include "ui/widgets/EmptyState.h"
#include "ui/widgets/MessageBanner.h"
#include "ui/widgets/StagedChangesBar.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QPushButton>
#include <QSet>
#include <QTableView>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>

namespace fulcrum::ui {

namespace method = protocol::method;

PoolsController::PoolsController(app::HostSession* session, PoolsPage* page, app::StagedConfig* config, QObject* parent)
    : HostPart(session, parent), m_page(page), m_feedback(page), m_config(config), m_pools(new app::PoolListModel(config, this)),
      m_servers(new app::PoolServerModel(config, this)), m_history(new app::ConfigHistoryModel(this)) {
    page->setPoolsModel(m_pools);
    page->setServersModel(m_servers, app::PoolServerModel::WeightColumn);
    connect(m_pools, &QAbstractItemModel::modelReset, this, &PoolsController::reselect);
    connect(page, &PoolsPage::poolSelected, this, &PoolsController::selectPool);
    connect(m_servers, &app::PoolServerModel::editRejected, this,
            [this](const QString& why) { m_page->showError(tr("That change was not staged."), why); });
    connect(page, &PoolsPage::poolSettingsEdited, this, [this] {
        if (m_currentPool.isEmpty()) return;
        const QString error = m_config->setPoolSettings(m_currentPool, m_page->poolSettings());
        if (!error.isEmpty()) m_page->showError(tr("That setting was not staged."), error);
    });
    connect(page, &PoolsPage::addServerRequested, this, [this](const QString& address, int weight) {
        const QString error = m_config->addServer(m_currentPool, address, weight);
        if (!error.isEmpty()) m_page->showError(tr("The server was not added."), error);
    });
    connect(page, &PoolsPage::removeServersRequested, this, [this](const QList<int>& rows) {
        bool skipped = false;
        const QStringList addresses = addressesOf(rows, &skipped);
        if (!addresses.isEmpty()) m_config->removeServers(m_currentPool, addresses);
        if (skipped) {
            m_page->showError(tr("Servers of a worker group were left in the pool."),
                              tr("They come and go with their group: scale or stop it on the Workers page."));
        }
    });
    connect(page, &PoolsPage::serverStateRequested, this, [this](const QList<int>& rows, const QString& requested) {
        bool skipped = false;
        const QStringList addresses = addressesOf(rows, &skipped);
        const QString state = requested == QLatin1String("enabled") ? QStringLiteral("active") : requested;
        if (!addresses.isEmpty()) {
            const QString error = m_config->setServerState(m_currentPool, addresses, state);
            if (!error.isEmpty()) m_page->showError(tr("That change was not staged."), error);
        }
        if (skipped) {
            m_page->showError(tr("Servers of a worker group are drained by stopping their worker."),
                              tr("Stop or restart the worker on the Workers page: the proxy stops sending it "
                                 "requests first."));
        }
    });
    connect(page, &PoolsPage::historyRequested, this, &PoolsController::showHistory);
    connect(page, &PoolsPage::peerWorkersRequested, this, &PoolsController::showPeerWorkers);

    bindStagedBar(page->stagedBar(), page);
    connect(m_config, &app::StagedConfig::stagedChanged, this, &PoolsController::updateBar);
    connect(m_config, &app::StagedConfig::busyChanged, this, [this](bool busy, const QString& activity) {
        for (auto* bar : std::as_const(m_bars)) {
            bar->setBusy(busy, busy ? activity + QStringLiteral("…") : QString());
            if (!busy) bar->setStatusText({});
        }
    });
    connect(m_config, &app::StagedConfig::validated, this, [this](bool valid, const QList<app::ConfigProblem>& problems) {
        if (valid) {
            m_feedback->showInfo(tr("The host accepts these changes."), tr("Nothing is changed until you apply them."));
        } else {
            showProblems(tr("The host would refuse these changes."), problems);
        }
    });
    connect(m_config, &app::StagedConfig::applySucceeded, this, [this](qint64 version, const QStringList& notes) {
        m_feedback->showInfo(tr("Applied: the host runs version %1 now.").arg(version), notes.join(QLatin1Char('\n')));
        if (m_historyDialog && m_historyDialog->isVisible()) loadHistory();
    });
    connect(m_config, &app::StagedConfig::operationFailed, this,
            [this](const QString& message, const QList<app::ConfigProblem>& problems, bool) {
                showProblems(message, problems);
            });
    updateBar();
}

void PoolsController::connected() {
    if (auto* client = rpc(); client && wireOnce()) {
        // Someone else (another panel, fulcrum-ctl, a rollback) applied: show it at once.
        connect(client, &app::RpcClient::configChanged, this, [this](const protocol::ConfigChanged& change) {
            if (change.version != m_config->appliedVersion() && !m_config->isBusy()) m_config->reload();
        });
    }
    m_config->reload();
}

void PoolsController::disconnected() { m_servers->clearLive(); }

void PoolsController::selectPool(const QString& name) {
    m_currentPool = name;
    m_servers->setPool(name);
    m_page->showPoolSettings(name, app::StagedConfig::poolSettings(m_config->pool(name)));
    m_page->setFollowedGroup(m_config->pool(name).value(QStringLiteral("follow_workers")).toString());
}

void PoolsController::reselect() {
    // After the pool list was rebuilt, stay on the same pool if it still exists.
    const int row = std::max(0, m_pools->rowOf(m_currentPool));
    if (m_pools->rowCount() == 0) {
        m_currentPool.clear();
        m_servers->setPool({});
        m_page->setFollowedGroup({});
        return;
    }
    m_page->poolList()->setCurrentIndex(m_pools->index(row));
}

void PoolsController::bindStagedBar(StagedChangesBar* bar, SectionPage* page) {
    m_bars.append(bar);
    // Results show on the page whose bar was used last.
    const auto use = [this, page] { m_feedback = page; };
    connect(bar, &StagedChangesBar::validateRequested, this, [this, use] { use(); m_config->validate(); });
    connect(bar, &StagedChangesBar::applyRequested, this, [this, use] { use(); m_config->apply(); });
    connect(bar, &StagedChangesBar::discardRequested, this, [this, use] { use(); m_config->discard(); });
    connect(bar, &StagedChangesBar::diffRequested, this, [this, use] { use(); showDiff(); });
    bar->setChangeCount(m_config->changeCount());
}

void PoolsController::updateBar() {
    const int count = m_config->changeCount();
    for (auto* bar : std::as_const(m_bars)) bar->setChangeCount(count);
    // The pool's own settings follow the staged document (a discard or reload resets them).
    if (!m_currentPool.isEmpty()) {
        const QJsonObject pool = m_config->pool(m_currentPool);
        m_page->showPoolSettings(m_currentPool, app::StagedConfig::poolSettings(pool));
        m_page->setFollowedGroup(pool.value(QStringLiteral("follow_workers")).toString());
    }
}

QStringList PoolsController::addressesOf(const QList<int>& rows, bool* skippedFollowed) const {
    QStringList addresses;
    for (int row : rows) {
        if (m_servers->isFollowed(row)) {
            *skippedFollowed = true;
        } else {
            addresses << m_servers->addressAt(row);
        }
    }
    return addresses;
}

void PoolsController::showProblems(const QString& message, const QList<app::ConfigProblem>& problems) {
    QStringList lines;
    for (const auto& p : problems.mid(0, 12)) {
        lines << (p.path.isEmpty() ? p.message : QStringLiteral("%1: %2").arg(p.path, p.message));
    }
    if (problems.size() > 12) lines << tr("… and %n more", nullptr, int(problems.size() - 12));
    m_feedback->showError(message, lines.join(QLatin1Char('\n')));
}

void PoolsController::showDiff() {
    if (!m_diffDialog) {
        auto* dialog = new QDialog(m_page);
        dialog->setObjectName(QStringLiteral("diffDialog"));
        dialog->setWindowTitle(tr("Changes not applied yet"));
        dialog->resize(620, 360);
        auto* layout = new QVBoxLayout(dialog);
        auto* intro = new QLabel(dialog);
        intro->setObjectName(QStringLiteral("diffIntro"));
        intro->setWordWrap(true);
        layout->addWidget(intro);
        auto* list = new QListWidget(dialog);
        list->setObjectName(QStringLiteral("diffList"));
        list->setAlternatingRowColors(true);
        layout->addWidget(list, 1);
        auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
        connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
        layout->addWidget(buttons);
        m_diffDialog = dialog;
    }
    auto* list = m_diffDialog->findChild<QListWidget*>(QStringLiteral("diffList"));
    list->clear();
    const auto changes = m_config->changes();
    for (const auto& c : changes) {
        const QString mark = c.kind == app::ConfigChange::Kind::Added     ? QStringLiteral("+ ")
                             : c.kind == app::ConfigChange::Kind::Removed ? QStringLiteral("− ")
                                                                          : QStringLiteral("~ ");
        auto* item = new QListWidgetItem(mark + c.description, list);
        item->setToolTip(c.path);
    }
    m_diffDialog->findChild<QLabel*>(QStringLiteral("diffIntro"))
        ->setText(changes.isEmpty() ? tr("Nothing is staged: the host runs exactly this configuration.")
                                    : tr("These changes go to the host when you apply (version %1 runs now):")
                                          .arg(m_config->appliedVersion()));
    m_diffDialog->open();
}

void PoolsController::loadHistory() {
    auto* status = m_historyDialog->findChild<QLabel*>(QStringLiteral("historyStatus"));
    status->setText(tr("Loading…"));
    protocol::ConfigHistoryParams params;
    params.limit = 100;
    call<method::ConfigHistory>(params, [this, status](protocol::Outcome<protocol::ConfigHistoryResult> result) {
        if (!result) {
            status->setText(result.error().is(protocol::ErrorCode::MethodNotFound)
                                ? tr("The history is not available yet on this host's agent.")
                                : app::plainError(tr("Loading the history"), result.error()));
            return;
        }
        m_history->setHistory(result.value());
        status->setText(result.value().entries.empty() ? tr("Nothing has been applied on this host yet.")
                                                       : tr("Select a version and roll back to make it current again "
                                                            "(it is applied as a new version; history only grows)."));
    });
}

void PoolsController::showHistory() {
    if (!m_historyDialog) {
        auto* dialog = new QDialog(m_page);
        dialog->setObjectName(QStringLiteral("historyDialog"));
        dialog->setWindowTitle(tr("Configuration history"));
        dialog->resize(760, 420);
        auto* layout = new QVBoxLayout(dialog);
        auto* status = new QLabel(dialog);
        status->setObjectName(QStringLiteral("historyStatus"));
        status->setWordWrap(true);
        layout->addWidget(status);
        auto* table = new QTableView(dialog);
        table->setObjectName(QStringLiteral("historyTable"));
        table->setModel(m_history);
        table->setSelectionBehavior(QAbstractItemView::SelectRows);
        table->setSelectionMode(QAbstractItemView::SingleSelection);
        table->verticalHeader()->hide();
        table->setShowGrid(false);
        table->setAlternatingRowColors(true);
        table->horizontalHeader()->setSectionResizeMode(app::ConfigHistoryModel::CommentColumn, QHeaderView::Stretch);
        layout->addWidget(table, 1);
        auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
        auto* rollback = buttons->addButton(tr("Roll back to this version"), QDialogButtonBox::ActionRole);
        rollback->setObjectName(QStringLiteral("rollbackButton"));
        rollback->setEnabled(false);
        connect(table->selectionModel(), &QItemSelectionModel::selectionChanged, rollback, [table, rollback] {
            const auto rows = table->selectionModel()->selectedRows();
            rollback->setEnabled(!rows.isEmpty() &&
                                 !rows.first().data(app::ConfigHistoryModel::CurrentRole).toBool());
        });
        connect(m_history, &QAbstractItemModel::modelReset, rollback, [rollback] { rollback->setEnabled(false); });
        connect(rollback, &QPushButton::clicked, this, [this, table] {
            const auto rows = table->selectionModel()->selectedRows();
            if (rows.isEmpty()) return;
            m_config->rollback(m_history->versionAt(rows.first().row()));
        });
        connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
        layout->addWidget(buttons);
        m_historyDialog = dialog;
    }
    loadHistory();
    m_historyDialog->open();
}

void PoolsController::showPeerWorkers() {
    if (m_currentPool.isEmpty()) return;
    if (m_peerDialog) m_peerDialog->close();
    const QList<PeerWorkers> peers = m_peers ? m_peers() : QList<PeerWorkers>();
    auto* dialog = new QDialog(m_page);
    m_peerDialog = dialog;
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName(QStringLiteral("peerWorkersDialog"));
    dialog->setWindowTitle(tr("Add workers from another host"));
    dialog->resize(560, 420);
    auto* layout = new QVBoxLayout(dialog);
    layout->setSpacing(10);
    auto* intro = new QLabel(tr("Pick worker instances of your other connected hosts. Each becomes a server of pool "
                                "“%1” at HOST:PORT, so this host's proxy spreads requests over those machines too.")
                                 .arg(m_currentPool));
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto* tree = new QTreeWidget;
    tree->setObjectName(QStringLiteral("peerWorkersTree"));
    tree->setHeaderLabels({tr("Host, group and instance"), tr("Server address")});
    tree->setRootIsDecorated(true);
    tree->setUniformRowHeights(true);
    QStringList loopbackGroups;
    QSet<QString> present;
    for (int row = 0; row < m_servers->rowCount(); ++row) present.insert(m_servers->addressAt(row));
    for (const PeerWorkers& peer : peers) {
        auto* hostItem = new QTreeWidgetItem(tree, {peer.hostName, peer.address});
        hostItem->setFlags(Qt::ItemIsEnabled);
        const bool peerIsLoopback = peer.address == QLatin1String("127.0.0.1") || peer.address == QLatin1String("localhost") ||
                                    peer.address == QLatin1String("::1");
        for (const PeerWorkerGroup& group : peer.groups) {
            auto* groupItem = new QTreeWidgetItem(hostItem, {QStringLiteral("%1 · %2").arg(group.name, plural(group.ports.size(), "%1 instance", "%1 instances"))});
            groupItem->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsAutoTristate);
            groupItem->setCheckState(0, Qt::Unchecked);
            groupItem->setData(0, Qt::UserRole + 1, peer.hostId + QLatin1Char('/') + group.name);
            if (group.loopbackOnly && !peerIsLoopback) {
                loopbackGroups << QStringLiteral("%1 on %2").arg(group.name, peer.hostName);
                groupItem->setIcon(0, Icons::get(QStringLiteral("warning"), Semantic::warning()));
                groupItem->setToolTip(0, tr("Its command listens on the loopback address only: other machines cannot "
                                            "reach it yet."));
            }
            for (int port : group.ports) {
                const QString address = peer.address.contains(QLatin1Char(':')) && !peer.address.startsWith(QLatin1Char('['))
                                            ? QStringLiteral("[%1]:%2").arg(peer.address).arg(port)
                                            : QStringLiteral("%1:%2").arg(peer.address).arg(port);
                auto* item = new QTreeWidgetItem(groupItem, {tr("port %1").arg(port), address});
                item->setData(0, Qt::UserRole, address);
                if (present.contains(address)) {
                    item->setFlags(Qt::ItemIsUserCheckable);  // shown, not selectable again
                    item->setCheckState(0, Qt::Checked);
                    item->setToolTip(0, tr("Already a server of this pool"));
                } else {
                    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
                    item->setCheckState(0, Qt::Unchecked);
                }
            }
        }
    }
    tree->expandAll();
    tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    tree->header()->setStretchLastSection(false);

    auto* empty = new EmptyState(QStringLiteral("workers"), tr("No other connected host has workers"),
                                 tr("Add a host (File → Add host…), connect it and start a worker group on its Workers "
                                    "page; its instances appear here."));
    empty->setObjectName(QStringLiteral("peerWorkersEmpty"));
    layout->addWidget(tree, 1);
    layout->addWidget(empty, 1);
    tree->setVisible(!peers.isEmpty());
    empty->setVisible(peers.isEmpty());

    auto* warning = new QLabel(tr("%1 listen on the loopback address only. Make their command listen on 0.0.0.0 (or "
                                  "the host's address) before this pool can reach them.")
                                   .arg(loopbackGroups.join(QStringLiteral(", "))));
    warning->setObjectName(QStringLiteral("peerWorkersLoopbackWarning"));
    warning->setWordWrap(true);
    warning->setVisible(!loopbackGroups.isEmpty());
    layout->addWidget(warning);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    auto* add = buttons->addButton(tr("Add servers"), QDialogButtonBox::AcceptRole);
    add->setObjectName(QStringLiteral("addPeerWorkersButton"));
    add->setProperty("primary", true);
    add->setEnabled(false);
    layout->addWidget(buttons);
    const auto checkedAddresses = [tree] {
        QStringList addresses;
        for (QTreeWidgetItemIterator it(tree, QTreeWidgetItemIterator::Checked); *it; ++it) {
            const QString address = (*it)->data(0, Qt::UserRole).toString();
            if (!address.isEmpty() && ((*it)->flags() & Qt::ItemIsEnabled)) addresses << address;
        }
        return addresses;
    };
    connect(tree, &QTreeWidget::itemChanged, add, [add, checkedAddresses] {
        const int n = int(checkedAddresses().size());
        add->setEnabled(n > 0);
        add->setText(n > 0 ? plural(n, "Add %1 server", "Add %1 servers") : tr("Add servers"));
    });
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, this, [this, dialog, checkedAddresses] {
        QStringList refused;
        for (const QString& address : checkedAddresses()) {
            const QString error = m_config->addServer(m_currentPool, address, 1);
            if (!error.isEmpty()) refused << QStringLiteral("%1: %2").arg(address, error);
        }
        if (!refused.isEmpty()) m_page->showError(tr("Some servers were not added."), refused.join(QLatin1Char('\n')));
        dialog->accept();
    });
    dialog->open();
}

}  // namespace fulcrum::ui
