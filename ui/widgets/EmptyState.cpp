#include "ui/widgets/EmptyState.h"

#include "ui/Icons.h"
#include "ui/Theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace fulcrum::ui {

EmptyState::EmptyState(const QString& icon, const QString& title, const QString& text, QWidget* parent)
    : QWidget(parent), m_title(new QLabel(title, this)), m_text(new QLabel(text, this)) {
    // Centred column of fixed width, so wrapped text gets its real height.
    auto* outer = new QHBoxLayout(this);
    auto* column = new QWidget(this);
    column->setFixedWidth(480);
    outer->addStretch(1);
    outer->addWidget(column);
    outer->addStretch(1);
    auto* layout = new QVBoxLayout(column);
    layout->addStretch(2);
    auto* iconLabel = new QLabel(this);
    iconLabel->setPixmap(Icons::pixmap(icon, Semantic::muted(), 56, devicePixelRatioF()));
    iconLabel->setAlignment(Qt::AlignCenter);
    layout->addWidget(iconLabel);
    layout->addSpacing(8);
    m_title->setProperty("role", QStringLiteral("emptyTitle"));
    m_title->setAlignment(Qt::AlignCenter);
    layout->addWidget(m_title);
    m_text->setProperty("role", QStringLiteral("muted"));
    m_text->setAlignment(Qt::AlignCenter);
    m_text->setWordWrap(true);
    layout->addWidget(m_text);
    layout->addStretch(3);
}

QPushButton* EmptyState::setAction(const QString& text, const QString& icon) {
    if (!m_button) {
        m_button = new QPushButton(m_title->parentWidget());
        m_button->setProperty("primary", true);
        auto* layout = static_cast<QVBoxLayout*>(m_title->parentWidget()->layout());
        layout->insertSpacing(layout->count() - 1, 12);
        layout->insertWidget(layout->count() - 1, m_button, 0, Qt::AlignHCenter);
        connect(m_button, &QPushButton::clicked, this, &EmptyState::actionTriggered);
    }
    m_button->setText(text);
    if (!icon.isEmpty()) m_button->setIcon(Icons::get(icon, Qt::white));
    return m_button;
}

QString EmptyState::title() const { return m_title->text(); }

QString EmptyState::text() const { return m_text->text(); }

void EmptyState::setText(const QString& title, const QString& text) {
    m_title->setText(title);
    m_text->setText(text);
}

}  // namespace fulcrum::ui
