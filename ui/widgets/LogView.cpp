#include "ui/widgets/LogView.h"
#include "ui/Plural.h"

#include "ui/Icons.h"
#include "ui/Theme.h"
#include "ui/widgets/Card.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QShortcut>
#include <QStyle>
#include <QTextBlock>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace fulcrum::ui {

LogView::LogView(QWidget* parent)
    : QWidget(parent), m_title(new CardTitle(tr("Log"), this)), m_text(new QPlainTextEdit(this)),
      m_search(new QLineEdit(this)), m_follow(new QToolButton(this)), m_pause(new QToolButton(this)),
      m_heldLabel(new QLabel(this)) {
    setObjectName(QStringLiteral("logView"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);

    auto* bar = new QHBoxLayout;
    m_title->setObjectName(QStringLiteral("logTitle"));
    m_title->setTextFormat(Qt::PlainText);  // it names a worker group of the host's config
    // The title and the search field share what the bar has left: the field up to 260 px,
    // and both give way down to their minimum in a narrow window ("Log of all web workers"
    // beside a 260-px field made the Workers page scroll sideways at the window's minimum).
    bar->addWidget(m_title, 1);
    m_heldLabel->setObjectName(QStringLiteral("logHeldLabel"));
    m_heldLabel->setProperty("role", QStringLiteral("muted"));
    bar->addWidget(m_heldLabel);
    m_search->setObjectName(QStringLiteral("logSearchEdit"));
    // The placeholder is read whole, never cut with "…" (the keys were, in a 260-px field): a
    // short one, the keys in the tooltip, and a field never narrower than its placeholder
    // with the search icon and the clear button beside it.
    m_search->setPlaceholderText(tr("Search the log"));
    m_search->setToolTip(tr("Every match is highlighted. Enter: next match, Shift+Enter: previous"));
    m_search->setClearButtonEnabled(true);
    m_search->addAction(Icons::get(QStringLiteral("search")), QLineEdit::LeadingPosition);
    const int sideButtons = 2 * (style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, m_search) + 16);
    m_search->setMinimumWidth(m_search->fontMetrics().horizontalAdvance(m_search->placeholderText()) + sideButtons + 16);
    m_search->setMaximumWidth(std::max(260, m_search->minimumWidth()));
    m_search->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    bar->addWidget(m_search, 1);
    m_follow->setObjectName(QStringLiteral("followLogButton"));
    m_follow->setCheckable(true);
    m_follow->setChecked(true);
    m_follow->setIcon(Icons::get(QStringLiteral("follow")));
    m_follow->setText(tr("Follow"));
    m_follow->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_follow->setToolTip(tr("Keep the newest line in view"));
    bar->addWidget(m_follow);
    m_pause->setObjectName(QStringLiteral("pauseLogButton"));
    m_pause->setCheckable(true);
    m_pause->setIcon(Icons::get(QStringLiteral("pause")));
    m_pause->setText(tr("Pause"));
    m_pause->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_pause->setToolTip(tr("Hold new lines back while you read; nothing is lost"));
    bar->addWidget(m_pause);
    layout->addLayout(bar);

    m_text->setObjectName(QStringLiteral("logText"));
    m_text->setReadOnly(true);
    m_text->setMaximumBlockCount(kMaxLines);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    QFont mono(QStringLiteral("DejaVu Sans Mono"));
    mono.setStyleHint(QFont::Monospace);
    mono.setPointSizeF(font().pointSizeF() * 0.92);
    m_text->setFont(mono);
    m_text->setPlaceholderText(tr("No log lines yet. Select a worker to follow its output."));
    layout->addWidget(m_text, 1);

    connect(m_pause, &QToolButton::toggled, this, &LogView::setPaused);
    connect(m_follow, &QToolButton::toggled, this, &LogView::setFollowing);
    connect(m_search, &QLineEdit::textChanged, this, &LogView::highlightMatches);
    connect(m_search, &QLineEdit::returnPressed, this, [this] { findNext(); });
    auto* previous = new QShortcut(QKeySequence(Qt::SHIFT | Qt::Key_Return), m_search);
    previous->setContext(Qt::WidgetShortcut);
    connect(previous, &QShortcut::activated, this, [this] { findPrevious(); });
    // Scrolling up by hand stops following, as in a terminal; scrolling back to the bottom
    // resumes it.
    connect(m_text->verticalScrollBar(), &QScrollBar::actionTriggered, this, [this] {
        QScrollBar* scroll = m_text->verticalScrollBar();
        QMetaObject::invokeMethod(this, [this, scroll] { m_follow->setChecked(scroll->value() >= scroll->maximum()); },
                                  Qt::QueuedConnection);
    });
    updateHeldLabel();
}

void LogView::setTitle(const QString& title) { m_title->setText(title); }

bool LogView::isPaused() const { return m_pause->isChecked(); }

bool LogView::isFollowing() const { return m_follow->isChecked(); }

QString LogView::text() const { return m_text->toPlainText(); }

void LogView::appendLines(const QStringList& lines) {
    if (lines.isEmpty()) return;
    if (isPaused()) {
        m_held.append(lines);
        if (m_held.size() > kMaxHeldLines) {
            const int excess = m_held.size() - kMaxHeldLines;
            m_held.erase(m_held.begin(), m_held.begin() + excess);
            m_dropped += excess;
        }
        updateHeldLabel();
        return;
    }
    write(lines);
}

void LogView::write(const QStringList& lines) {
    auto* bar = m_text->verticalScrollBar();
    const int keep = bar->value();
    m_text->appendPlainText(lines.join(QLatin1Char('\n')));
    if (isFollowing()) {
        bar->setValue(bar->maximum());
    } else {
        bar->setValue(keep);
    }
    if (!m_search->text().isEmpty()) highlightMatches();
}

void LogView::clear() {
    m_text->clear();
    m_held.clear();
    m_dropped = 0;
    updateHeldLabel();
}

void LogView::setPaused(bool paused) {
    if (m_pause->isChecked() != paused) {
        m_pause->setChecked(paused);
        return;
    }
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    m_pause->setIcon(Icons::get(paused ? QStringLiteral("play") : QStringLiteral("pause")));
    if (!paused && !m_held.isEmpty()) {
        QStringList held;
        held.swap(m_held);
        // The view keeps kMaxLines; what would scroll out at once is counted, not written.
        if (held.size() > kMaxLines - 1) {
            const qsizetype excess = held.size() - (kMaxLines - 1);
            held.erase(held.begin(), held.begin() + excess);
            m_dropped += static_cast<int>(excess);
        }
        if (m_dropped > 0) {
            held.prepend(plural(m_dropped, "… %1 older line dropped while paused", "… %1 older lines dropped while paused"));
            m_dropped = 0;
        }
        write(held);
    }
    updateHeldLabel();
}

void LogView::setFollowing(bool follow) {
    if (m_follow->isChecked() != follow) {
        m_follow->setChecked(follow);
        return;
    }
    if (follow) m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
}

bool LogView::findNext() {
    const QString needle = m_search->text();
    if (needle.isEmpty()) return false;
    if (m_text->find(needle)) return true;
    // Wrap around to the top, like every editor's search.
    QTextCursor top(m_text->document());
    m_text->setTextCursor(top);
    return m_text->find(needle);
}

bool LogView::findPrevious() {
    const QString needle = m_search->text();
    if (needle.isEmpty()) return false;
    if (m_text->find(needle, QTextDocument::FindBackward)) return true;
    QTextCursor bottom(m_text->document());
    bottom.movePosition(QTextCursor::End);
    m_text->setTextCursor(bottom);
    return m_text->find(needle, QTextDocument::FindBackward);
}

void LogView::highlightMatches() {
    QList<QTextEdit::ExtraSelection> selections;
    const QString needle = m_search->text();
    if (!needle.isEmpty()) {
        QColor color = Semantic::warning();
        color.setAlphaF(0.35f);
        QTextCursor cursor(m_text->document());
        // Bounded: a search for "e" in 5000 lines must not build a million selections.
        while (selections.size() < 2000) {
            cursor = m_text->document()->find(needle, cursor);
            if (cursor.isNull()) break;
            QTextEdit::ExtraSelection sel;
            sel.cursor = cursor;
            sel.format.setBackground(color);
            selections.append(sel);
        }
    }
    m_text->setExtraSelections(selections);
}

void LogView::updateHeldLabel() {
    m_heldLabel->setVisible(!m_held.isEmpty());
    m_heldLabel->setText(plural(m_held.size(), "%1 new line held", "%1 new lines held"));
}

}  // namespace fulcrum::ui
