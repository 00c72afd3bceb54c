#include "ui/widgets/MessageBanner.h"

#include "ui/Icons.h"
#include "ui/Theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace fulcrum::ui {

MessageBanner::MessageBanner(QWidget* parent)
    : QFrame(parent), m_icon(new QLabel(this)), m_text(new QLabel(this)), m_details(new QLabel(this)),
      m_actions(new QHBoxLayout), m_close(new QToolButton(this)) {
    setObjectName(QStringLiteral("messageBanner"));
    setProperty("banner", true);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(12, 8, 8, 8);
    layout->setSpacing(10);
    m_icon->setFixedSize(20, 20);
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    auto* texts = new QVBoxLayout;
    texts->setSpacing(2);
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_text->setObjectName(QStringLiteral("messageBannerText"));
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setProperty("role", QStringLiteral("muted"));
    m_details->setObjectName(QStringLiteral("messageBannerDetails"));
    texts->addWidget(m_text);
    texts->addWidget(m_details);
    layout->addLayout(texts, 1);
    m_actions->setSpacing(6);
    layout->addLayout(m_actions);
    m_close->setIcon(Icons::get(QStringLiteral("close")));
    m_close->setAutoRaise(true);
    m_close->setToolTip(tr("Dismiss"));
    m_close->setObjectName(QStringLiteral("messageBannerClose"));
    layout->addWidget(m_close, 0, Qt::AlignTop);
    connect(m_close, &QToolButton::clicked, this, [this] {
        hide();
        emit closed();
    });
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    hide();
}

void MessageBanner::showMessage(Level level, const QString& text, const QString& details) {
    m_level = level;
    clearActions();
    const char* levelName = "info";
    QString icon = QStringLiteral("info");
    QColor color = Semantic::busy();
    switch (level) {
    case Level::Info: break;
    case Level::Positive: levelName = "positive"; icon = QStringLiteral("check-circle"); color = Semantic::ok(); break;
    case Level::Warning: levelName = "warning"; icon = QStringLiteral("warning"); color = Semantic::warning(); break;
    case Level::Error: levelName = "error"; icon = QStringLiteral("error"); color = Semantic::error(); break;
    }
    setProperty("level", QString::fromLatin1(levelName));
    style()->unpolish(this);
    style()->polish(this);
    m_icon->setPixmap(Icons::pixmap(icon, color, 20, devicePixelRatioF()));
    m_text->setText(text);
    m_details->setText(details);
    m_details->setVisible(!details.isEmpty());
    show();
}

QPushButton* MessageBanner::addAction(const QString& text, std::function<void()> slot) {
    auto* button = new QPushButton(text, this);
    connect(button, &QPushButton::clicked, this, std::move(slot));
    m_actions->addWidget(button, 0, Qt::AlignVCenter);
    return button;
}

void MessageBanner::setClosable(bool closable) { m_close->setVisible(closable); }

QString MessageBanner::text() const { return m_text->text(); }

void MessageBanner::clearActions() {
    while (auto* item = m_actions->takeAt(0)) {
        delete item->widget();
        delete item;
    }
}

}  // namespace fulcrum::ui
