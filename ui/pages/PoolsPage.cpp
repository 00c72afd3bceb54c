#include "ui/pages/PoolsPage.h"

#include "ui/Icons.h"
#include "ui/widgets/Card.h"
#include "ui/widgets/MessageBanner.h"
#include "ui/widgets/StagedChangesBar.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QPushButton>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace fulcrum::ui {
namespace {

// Weight is edited in place with a spin box bounded like the proxy's own limit.
class WeightDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem&, const QModelIndex&) const override {
        auto* spin = new QSpinBox(parent);
        spin->setObjectName(QStringLiteral("weightEditor"));
        spin->setRange(0, 1000);
        spin->setFrame(false);
        return spin;
    }
};

QSpinBox* millis(const QString& name, int min, int max, const QString& suffix) {
    auto* s = new QSpinBox;
    s->setObjectName(name);
    s->setRange(min, max);
    s->setSuffix(suffix);
    s->setSingleStep(min < 100 ? 1 : 100);
    return s;
}

}  // namespace

PoolsPage::PoolsPage(QWidget* parent)
    : SectionPage(QStringLiteral("poolsPage"), QStringLiteral("pools"), parent), m_poolList(new QListView),
      m_poolTitle(new QLabel), m_algorithm(new QComboBox), m_healthPath(new QLineEdit),
      m_interval(millis(QStringLiteral("healthCheckIntervalSpin"), 100, 600000, tr(" ms"))),
      m_timeout(millis(QStringLiteral("healthCheckTimeoutSpin"), 100, 600000, tr(" ms"))),
      m_maxFails(millis(QStringLiteral("maxFailsSpin"), 1, 100, QString())),
      m_failTimeout(millis(QStringLiteral("failTimeoutSpin"), 100, 3600000, tr(" ms"))),
      m_add(toolButton(QStringLiteral("add"), tr("Add server"), QStringLiteral("addServerButton"),
                       tr("Add an address, or workers of any connected host"))),
      m_addMenu(new QMenu(this)),
      m_remove(toolButton(QStringLiteral("trash"), tr("Remove"), QStringLiteral("removeServerButton"),
                          tr("Remove the selected servers from the pool (Delete)"))),
      m_drain(toolButton(QStringLiteral("drain"), tr("Drain"), QStringLiteral("drainServerButton"),
                         tr("Finish running requests, send no new ones"))),
      m_enable(toolButton(QStringLiteral("enable"), tr("Enable"), QStringLiteral("enableServerButton"),
                          tr("Send traffic to the selected servers"))),
      m_disable(toolButton(QStringLiteral("disable"), tr("Disable"), QStringLiteral("disableServerButton"),
                           tr("Stop sending traffic to the selected servers"))),
      m_history(toolButton(QStringLiteral("history"), tr("History"), QStringLiteral("historyButton"),
                           tr("Applied versions of this host's configuration, with rollback"))),
      m_followsNote(new QLabel), m_servers(new QTableView), m_staged(new StagedChangesBar),
      m_proxyBanner(new MessageBanner) {
    auto* split = new QHBoxLayout;
    split->setSpacing(14);

    auto* pools = new Card(tr("Pools"), QStringLiteral("pools"));
    pools->setFixedWidth(220);
    m_poolList->setObjectName(QStringLiteral("poolList"));
    m_poolList->setFrameShape(QFrame::NoFrame);
    // The selected pool must stand out in both palettes: an item style without a selection
    // rule would draw the highlighted (white) text on the card's white background.
    m_poolList->setStyleSheet(QStringLiteral(
        "QListView { border: none; background: transparent; }"
        "QListView::item { padding: 6px; border-radius: 6px; color: palette(text); }"
        "QListView::item:selected { background: palette(highlight); color: palette(highlighted-text); }"));
    pools->body()->addWidget(m_poolList);
    split->addWidget(pools);

    auto* right = new QVBoxLayout;
    right->setSpacing(12);

    auto* settings = new Card(tr("Balancing and health checks"), QStringLiteral("settings"));
    m_poolTitle->setObjectName(QStringLiteral("poolTitle"));
    m_poolTitle->setProperty("role", QStringLiteral("muted"));
    settings->addHeaderWidget(m_poolTitle);
    auto* form = new QGridLayout;
    form->setHorizontalSpacing(12);
    form->setVerticalSpacing(8);
    m_algorithm->setObjectName(QStringLiteral("balanceAlgorithmCombo"));
    m_algorithm->addItem(tr("Round robin"), QStringLiteral("round_robin"));
    m_algorithm->addItem(tr("Least connections"), QStringLiteral("least_conn"));
    m_algorithm->addItem(tr("Client IP hash (sticky)"), QStringLiteral("ip_hash"));
    m_algorithm->addItem(tr("Random of two"), QStringLiteral("random_two"));
    m_healthPath->setObjectName(QStringLiteral("healthCheckPathEdit"));
    m_healthPath->setPlaceholderText(tr("/healthz — empty: TCP connect only"));
    const auto label = [](const QString& t) {
        auto* l = new QLabel(t);
        l->setProperty("role", QStringLiteral("muted"));
        return l;
    };
    form->addWidget(label(tr("Algorithm")), 0, 0);
    form->addWidget(m_algorithm, 0, 1);
    form->addWidget(label(tr("Health check path")), 0, 2);
    form->addWidget(m_healthPath, 0, 3);
    form->addWidget(label(tr("Every")), 1, 0);
    form->addWidget(m_interval, 1, 1);
    form->addWidget(label(tr("Timeout")), 1, 2);
    form->addWidget(m_timeout, 1, 3);
    form->addWidget(label(tr("Mark down after")), 2, 0);
    m_maxFails->setSuffix(tr(" failures"));
    form->addWidget(m_maxFails, 2, 1);
    form->addWidget(label(tr("Retry a down server after")), 2, 2);
    form->addWidget(m_failTimeout, 2, 3);
    form->setColumnStretch(1, 1);
    form->setColumnStretch(3, 1);
    settings->body()->addLayout(form);
    right->addWidget(settings);

    auto* serversCard = new Card(tr("Servers"), QStringLiteral("server"));
    auto* tools = new QHBoxLayout;
    tools->setSpacing(4);
    m_add->setMenu(m_addMenu);
    m_add->setPopupMode(QToolButton::MenuButtonPopup);
    for (auto* b : {m_add, m_remove, m_drain, m_enable, m_disable}) tools->addWidget(b);
    tools->addStretch(1);
    tools->addWidget(m_history);
    serversCard->body()->addLayout(tools);
    // The rule a person editing a followed pool needs at the table, not in a tooltip: its
    // servers are the group's workers, so the Workers page is where they change.
    auto* follows = new QHBoxLayout;
    follows->setSpacing(6);
    follows->addWidget(new ThemedIcon(QStringLiteral("workers"), 14), 0, Qt::AlignTop);
    m_followsNote->setObjectName(QStringLiteral("poolFollowsWorkersNote"));
    m_followsNote->setProperty("role", QStringLiteral("muted"));
    m_followsNote->setWordWrap(true);  // one line at 1280 px; in a narrow window two, not a sideways scroll
    m_followsNote->setTextFormat(Qt::PlainText);  // the group's name comes from the host's config
    follows->addWidget(m_followsNote, 1);
    m_followsRow = new QWidget;
    m_followsRow->setLayout(follows);
    follows->setContentsMargins(0, 0, 0, 0);
    m_followsRow->hide();
    serversCard->body()->addWidget(m_followsRow);
    m_servers->setObjectName(QStringLiteral("serversTable"));
    m_servers->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_servers->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_servers->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                               QAbstractItemView::SelectedClicked);
    m_servers->verticalHeader()->hide();
    m_servers->horizontalHeader()->setStretchLastSection(true);
    m_servers->horizontalHeader()->setHighlightSections(false);
    m_servers->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_servers->setShowGrid(false);
    m_servers->setAlternatingRowColors(true);
    m_servers->setWordWrap(false);
    serversCard->body()->addWidget(m_servers, 1);
    right->addWidget(serversCard, 1);

    split->addLayout(right, 1);
    // Health, connections and req/s are the proxy's word: while it does not run they are
    // stale, and the page says so above them.
    m_proxyBanner->setObjectName(QStringLiteral("poolsProxyBanner"));
    m_proxyBanner->setClosable(false);
    contentLayout()->addWidget(m_proxyBanner);
    contentLayout()->addLayout(split, 1);
    contentLayout()->addWidget(m_staged);

    auto* addAddress = m_addMenu->addAction(Icons::get(QStringLiteral("server")), tr("Server address…"));
    addAddress->setObjectName(QStringLiteral("addServerAddressAction"));
    connect(addAddress, &QAction::triggered, this, &PoolsPage::askForServerAddress);
    auto* addPeers = m_addMenu->addAction(Icons::get(QStringLiteral("workers")), tr("Workers from another host…"));
    addPeers->setObjectName(QStringLiteral("addPeerWorkersAction"));
    addPeers->setToolTip(tr("Spread this pool over machines: add worker instances of another connected host"));
    connect(addPeers, &QAction::triggered, this, &PoolsPage::peerWorkersRequested);
    connect(m_add, &QToolButton::clicked, this, &PoolsPage::askForServerAddress);
    connect(m_remove, &QToolButton::clicked, this, [this] { emit removeServersRequested(selectedServerRows()); });
    connect(m_drain, &QToolButton::clicked, this,
            [this] { emit serverStateRequested(selectedServerRows(), QStringLiteral("draining")); });
    connect(m_enable, &QToolButton::clicked, this,
            [this] { emit serverStateRequested(selectedServerRows(), QStringLiteral("enabled")); });
    connect(m_disable, &QToolButton::clicked, this,
            [this] { emit serverStateRequested(selectedServerRows(), QStringLiteral("disabled")); });
    connect(m_history, &QToolButton::clicked, this, &PoolsPage::historyRequested);
    const auto edited = [this] {
        if (!m_loading) emit poolSettingsEdited();
    };
    connect(m_algorithm, &QComboBox::currentIndexChanged, this, edited);
    connect(m_healthPath, &QLineEdit::editingFinished, this, edited);
    for (auto* spin : {m_interval, m_timeout, m_maxFails, m_failTimeout}) {
        connect(spin, &QSpinBox::editingFinished, this, edited);
    }
    updateButtons();
}

void PoolsPage::setPoolsModel(QAbstractItemModel* model) {
    m_poolList->setModel(model);
    connect(m_poolList->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid()) emit poolSelected(current.data(Qt::DisplayRole).toString());
            });
    if (model && model->rowCount() > 0) m_poolList->setCurrentIndex(model->index(0, 0));
}

void PoolsPage::setServersModel(QAbstractItemModel* model, int weightColumn) {
    m_servers->setModel(model);
    if (weightColumn >= 0) m_servers->setItemDelegateForColumn(weightColumn, new WeightDelegate(m_servers));
    m_servers->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_servers->horizontalHeader()->setStretchLastSection(false);
    connect(m_servers->selectionModel(), &QItemSelectionModel::selectionChanged, this, &PoolsPage::updateButtons);
    updateButtons();
}

void PoolsPage::showPoolSettings(const QString& poolName, const PoolSettings& s) {
    m_loading = true;
    m_poolTitle->setText(poolName);
    const int index = m_algorithm->findData(s.balance);
    if (index >= 0) {
        m_algorithm->setCurrentIndex(index);
    } else if (!s.balance.isEmpty()) {
        m_algorithm->addItem(s.balance, s.balance);
        m_algorithm->setCurrentIndex(m_algorithm->count() - 1);
    }
    m_healthPath->setText(s.healthPath);
    m_interval->setValue(s.intervalMs);
    m_timeout->setValue(s.timeoutMs);
    m_maxFails->setValue(s.maxFails);
    m_failTimeout->setValue(s.failTimeoutMs);
    m_loading = false;
}

void PoolsPage::setFollowedGroup(const QString& group) {
    m_followsRow->setVisible(!group.isEmpty());
    m_followsNote->setText(group.isEmpty() ? QString()
                                           : tr("Follows worker group “%1”: its servers come and go as the workers "
                                                "start, stop or scale.")
                                                 .arg(group));
}

PoolsPage::PoolSettings PoolsPage::poolSettings() const {
    PoolSettings s;
    s.balance = m_algorithm->currentData().toString();
    s.healthPath = m_healthPath->text().trimmed();
    s.intervalMs = m_interval->value();
    s.timeoutMs = m_timeout->value();
    s.maxFails = m_maxFails->value();
    s.failTimeoutMs = m_failTimeout->value();
    return s;
}

QList<int> PoolsPage::selectedServerRows() const {
    QList<int> rows;
    if (!m_servers->selectionModel()) return rows;
    for (const auto& index : m_servers->selectionModel()->selectedRows()) rows << index.row();
    std::sort(rows.begin(), rows.end());
    return rows;
}

void PoolsPage::updateButtons() {
    const bool any = !selectedServerRows().isEmpty();
    for (auto* b : {m_remove, m_drain, m_enable, m_disable}) b->setEnabled(any);
}

void PoolsPage::askForServerAddress() {
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Add server"));
    dialog.setObjectName(QStringLiteral("addServerDialog"));
    auto* form = new QFormLayout(&dialog);
    auto* address = new QLineEdit(&dialog);
    address->setObjectName(QStringLiteral("serverAddressEdit"));
    address->setPlaceholderText(tr("host:port, e.g. 10.0.0.12:8000"));
    auto* weight = new QSpinBox(&dialog);
    weight->setObjectName(QStringLiteral("serverWeightSpin"));
    weight->setRange(0, 1000);
    weight->setValue(1);
    auto* error = new QLabel(&dialog);
    error->setObjectName(QStringLiteral("serverAddressError"));
    error->setWordWrap(true);
    error->setStyleSheet(QStringLiteral("color: #cf222e"));
    error->hide();
    form->addRow(tr("Address"), address);
    form->addRow(tr("Weight"), weight);
    form->addRow(error);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Add"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        // A quick shape check so an obvious typo is caught here; the host validates for real.
        static const QRegularExpression shape(QStringLiteral(R"(^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$)"));
        const auto match = shape.match(address->text().trimmed());
        if (!match.hasMatch() || match.captured(2).toInt() < 1 || match.captured(2).toInt() > 65535) {
            error->setText(tr("Write the server as host:port, for example 127.0.0.1:8000 or [::1]:8000."));
            error->show();
            return;
        }
        dialog.accept();
    });
    if (dialog.exec() == QDialog::Accepted) emit addServerRequested(address->text().trimmed(), weight->value());
}

}  // namespace fulcrum::ui

namespace fulcrum::ui {

void PoolsPage::setProxyProblem(const QString& text, bool failing) {
    if (text.isEmpty()) {
        m_proxyBanner->hide();
        return;
    }
    if (m_proxyBanner->isVisibleTo(this) && m_proxyBanner->text() == text) return;
    m_proxyBanner->showMessage(failing ? MessageBanner::Level::Error : MessageBanner::Level::Warning, text,
                               tr("Health, connections and req/s below are the last the proxy reported."));
}

}  // namespace fulcrum::ui
