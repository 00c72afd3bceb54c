#include "ui/widgets/EventList.h"

#include "app/models/host_events.h"
#include "ui/Theme.h"

#include <QLabel>
#include <QListView>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

namespace fulcrum::ui {

namespace {

// The level's colour as a dot before the text: the model is Qt Core only and knows no colours.
class EventDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override {
        QStyledItemDelegate::initStyleOption(option, index);
        using L = app::HostEvents::Level;
        const auto level = L(index.data(app::HostEvents::LevelRole).toInt());
        const QColor color = level == L::Error ? Semantic::error() : level == L::Warning ? Semantic::warning() : Semantic::ok();
        QPixmap dot(16, 16);
        dot.fill(Qt::transparent);
        QPainter painter(&dot);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(color);
        painter.drawEllipse(QRectF(4, 4, 8, 8));
        painter.end();
        option->icon = QIcon(dot);
        option->features |= QStyleOptionViewItem::HasDecoration;
        option->decorationSize = QSize(16, 16);
    }
};

}  // namespace

EventList::EventList(QWidget* parent) : QWidget(parent), m_view(new QListView(this)), m_empty(new QLabel(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_view->setObjectName(QStringLiteral("recentEventsList"));
    m_view->setItemDelegate(new EventDelegate(m_view));
    m_view->setSelectionMode(QAbstractItemView::NoSelection);
    m_view->setFocusPolicy(Qt::NoFocus);
    m_view->setWordWrap(true);  // "Worker web #0 (port 8000) exited (…) and was restarted" is long
    // The card is the frame: the list sits in it without a box of its own.
    m_view->setFrameShape(QFrame::NoFrame);
    m_view->setStyleSheet(QStringLiteral("QListView { background: transparent; border: none; }"));
    m_view->setMinimumHeight(100);
    layout->addWidget(m_view, 1);
    m_empty->setObjectName(QStringLiteral("recentEventsEmptyLabel"));
    m_empty->setProperty("role", QStringLiteral("muted"));
    m_empty->setWordWrap(true);
    m_empty->setText(tr("Nothing has happened since Fulcrum connected. Worker restarts, servers going down or "
                        "coming back, the proxy stopping, applied configurations and failed actions show here."));
    layout->addWidget(m_empty);
    layout->addStretch(0);
    updateEmpty();
}

void EventList::setModel(QAbstractItemModel* model) {
    if (m_model) disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    m_view->setModel(model);
    if (model) {
        connect(model, &QAbstractItemModel::rowsInserted, this, &EventList::updateEmpty);
        connect(model, &QAbstractItemModel::rowsRemoved, this, &EventList::updateEmpty);
        connect(model, &QAbstractItemModel::modelReset, this, &EventList::updateEmpty);
    }
    updateEmpty();
}

void EventList::updateEmpty() {
    const bool empty = !m_model || m_model->rowCount() == 0;
    m_view->setVisible(!empty);
    m_empty->setVisible(empty);
}

}  // namespace fulcrum::ui
