#include "ui/pages/WorkersPage.h"

#include "ui/Icons.h"
#include "ui/widgets/Card.h"
#include "ui/widgets/LogView.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QSpinBox>
#include <QSplitter>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace fulcrum::ui {
WorkersPage::WorkersPage(QWidget* parent)
    : SectionPage(QStringLiteral("workersPage"), QStringLiteral("workers"), parent), m_tree(new QTreeView),
      m_start(toolButton(QStringLiteral("play"), tr("Start"), QStringLiteral("startWorkerButton"),
                         tr("Start the selected group or worker"))),
      m_stop(toolButton(QStringLiteral("stop"), tr("Stop"), QStringLiteral("stopWorkerButton"),
                        tr("Stop the selected group or worker; the proxy stops sending it requests first"))),
      m_restart(toolButton(QStringLiteral("restart"), tr("Restart"), QStringLiteral("restartWorkerButton"),
                           tr("Restart one instance at a time so the group keeps serving"))),
      m_scale(new QSpinBox),
      m_applyScale(toolButton(QStringLiteral("scale"), tr("Scale"), QStringLiteral("scaleWorkersButton"),
                              tr("Run this many instances of the group"))),
      m_log(new LogView) {
    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->setObjectName(QStringLiteral("workersSplitter"));
    splitter->setChildrenCollapsible(false);
    splitter->setHandleWidth(10);
    splitter->setStyleSheet(QStringLiteral("QSplitter::handle { background: transparent; }"));

    auto* workers = new Card(tr("Worker groups"), QStringLiteral("workers"));
    auto* tools = new QHBoxLayout;
    tools->setSpacing(4);
    tools->addWidget(m_start);
    tools->addWidget(m_stop);
    tools->addWidget(m_restart);
    tools->addSpacing(16);
    auto* instances = new QLabel(tr("Instances"));
    instances->setProperty("role", QStringLiteral("muted"));
    tools->addWidget(instances);
    m_scale->setObjectName(QStringLiteral("scaleSpin"));
    m_scale->setRange(0, 64);
    m_scale->setToolTip(tr("How many instances the selected group should run"));
    tools->addWidget(m_scale);
    tools->addWidget(m_applyScale);
    tools->addStretch(1);
    workers->body()->addLayout(tools);
    m_tree->setObjectName(QStringLiteral("workersTree"));
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setHighlightSections(false);
    workers->body()->addWidget(m_tree, 1);
    splitter->addWidget(workers);

    auto* logCard = new Card(QString());
    logCard->layout()->setContentsMargins(14, 10, 14, 14);
    m_log->setTitle(tr("Log"));
    logCard->body()->addWidget(m_log);
    splitter->addWidget(logCard);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    contentLayout()->addWidget(splitter, 1);

    connect(m_start, &QToolButton::clicked, this, [this] { emit startRequested(m_tree->currentIndex()); });
    connect(m_stop, &QToolButton::clicked, this, [this] { emit stopRequested(m_tree->currentIndex()); });
    connect(m_restart, &QToolButton::clicked, this, [this] { emit restartRequested(m_tree->currentIndex()); });
    connect(m_applyScale, &QToolButton::clicked, this, [this] { emit scaleRequested(currentGroup(), m_scale->value()); });
    updateButtons();
}

void WorkersPage::setWorkersModel(QAbstractItemModel* model) {
    m_tree->setModel(model);
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_tree->header()->setMinimumSectionSize(72);
    m_tree->expandAll();
    connect(model, &QAbstractItemModel::rowsInserted, m_tree, [this] { m_tree->expandAll(); });
    connect(model, &QAbstractItemModel::modelReset, m_tree, [this] { m_tree->expandAll(); });
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& index) {
        updateButtons();
        emit currentWorkerChanged(index);
    });
    updateButtons();
}

QModelIndex WorkersPage::currentGroup() const {
    QModelIndex index = m_tree->currentIndex();
    if (!index.isValid()) return {};
    index = index.siblingAtColumn(0);
    while (index.parent().isValid()) index = index.parent();
    return index;
}

void WorkersPage::setScaleValue(int count) { m_scale->setValue(count); }

void WorkersPage::updateButtons() {
    const bool any = m_tree->currentIndex().isValid();
    for (auto* b : {m_start, m_stop, m_restart, m_applyScale}) b->setEnabled(any);
    m_scale->setEnabled(any);
}

}  // namespace fulcrum::ui
