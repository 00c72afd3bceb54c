#include "ui/widgets/Card.h"

#include "ui/Icons.h"
#include "ui/Theme.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>

namespace fulcrum::ui {

CardTitle::CardTitle(const QString& text, QWidget* parent) : QLabel(text, parent) {
    setProperty("role", QStringLiteral("cardTitle"));
    setWordWrap(true);
}

QSize CardTitle::sizeHint() const {
    const QMargins m = contentsMargins();
    const int oneLine = fontMetrics().horizontalAdvance(text()) + m.left() + m.right() + 2 * margin() + 1;
    return {std::max(oneLine, minimumSizeHint().width()), heightForWidth(oneLine)};
}

ThemedIcon::ThemedIcon(const QString& icon, int size, QWidget* parent) : QLabel(parent), m_icon(icon), m_size(size) {
    render();
    connect(Theme::instance(), &Theme::changed, this, &ThemedIcon::render);
}

void ThemedIcon::render() { setPixmap(Icons::get(m_icon).pixmap(m_size, m_size)); }

Card::Card(const QString& title, const QString& icon, QWidget* parent)
    : QFrame(parent), m_title(new CardTitle(title, this)), m_header(new QHBoxLayout), m_body(new QVBoxLayout) {
    setProperty("card", true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 14, 16, 16);
    layout->setSpacing(10);
    m_header->setSpacing(8);
    if (!icon.isEmpty()) {
        m_header->addWidget(new ThemedIcon(icon, 18, this));
    }
    // A card whose body brings its own heading (the log view) has no empty title row.
    m_title->setVisible(!title.isEmpty());
    m_header->addWidget(m_title);
    m_header->addStretch(1);
    layout->addLayout(m_header);
    m_body->setSpacing(8);
    layout->addLayout(m_body, 1);
}

void Card::addHeaderWidget(QWidget* widget) { m_header->addWidget(widget); }

void Card::setTitle(const QString& title) {
    m_title->setText(title);
    m_title->setVisible(!title.isEmpty());
}

FactList::FactList(QWidget* parent) : QWidget(parent), m_grid(new QGridLayout(this)) {
    m_grid->setContentsMargins(0, 0, 0, 0);
    m_grid->setHorizontalSpacing(16);
    m_grid->setVerticalSpacing(6);
    m_grid->setColumnStretch(1, 1);
}

QLabel* FactList::setFact(const QString& key, const QString& label, const QString& value,
                          const QString& objectName) {
    if (auto* existing = m_values.value(key)) {
        existing->setText(value);
        return existing;
    }
    const int row = m_grid->rowCount();
    auto* name = new QLabel(label, this);
    name->setProperty("role", QStringLiteral("muted"));
    auto* text = new QLabel(value, this);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    text->setWordWrap(true);
    if (!objectName.isEmpty()) text->setObjectName(objectName);
    m_grid->addWidget(name, row, 0, Qt::AlignTop);
    m_grid->addWidget(text, row, 1, Qt::AlignTop);
    m_values.insert(key, text);
    return text;
}

void FactList::clear() {
    while (auto* item = m_grid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_values.clear();
}

}  // namespace fulcrum::ui
