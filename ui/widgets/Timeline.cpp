#include "ui/widgets/Timeline.h"

#include "ui/Icons.h"
#include "ui/Theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPlainTextEdit>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace fulcrum::ui {

namespace {

constexpr int kIconSize = 22;

QString durationText(qint64 ms) {
    if (ms < 1000) return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60000) return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    return QStringLiteral("%1 min %2 s").arg(ms / 60000).arg((ms % 60000) / 1000);
}

}  // namespace

class TimelineRow : public QWidget {
public:
    explicit TimelineRow(QWidget* parent)
        : QWidget(parent), m_icon(new QLabel(this)), m_title(new QLabel(this)), m_detail(new QLabel(this)),
          m_time(new QLabel(this)), m_toggle(new QToolButton(this)), m_evidence(new QPlainTextEdit(this)) {
        auto* outer = new QHBoxLayout(this);
        outer->setContentsMargins(0, 5, 0, 5);
        outer->setSpacing(12);
        m_icon->setFixedSize(kIconSize, kIconSize);
        outer->addWidget(m_icon, 0, Qt::AlignTop);

        auto* column = new QVBoxLayout;
        column->setSpacing(2);
        auto* titleRow = new QHBoxLayout;
        titleRow->setSpacing(8);
        m_title->setWordWrap(true);
        titleRow->addWidget(m_title, 1);
        m_time->setProperty("role", QStringLiteral("muted"));
        m_time->setObjectName(QStringLiteral("timelineTime"));
        m_time->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        titleRow->addWidget(m_time, 0, Qt::AlignVCenter);
        // The evidence toggle sits at the end of the title line, so a green step costs two
        // lines of height, not three.
        titleRow->addWidget(m_toggle, 0, Qt::AlignVCenter);
        column->addLayout(titleRow);
        m_detail->setWordWrap(true);
        m_detail->setProperty("role", QStringLiteral("muted"));
        m_detail->setObjectName(QStringLiteral("timelineDetail"));
        m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
        column->addWidget(m_detail);

        m_toggle->setObjectName(QStringLiteral("timelineEvidenceToggle"));
        m_toggle->setAutoRaise(true);
        m_toggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        m_toggle->setCursor(Qt::PointingHandCursor);
        m_toggle->setIconSize(QSize(12, 12));
        m_toggle->setStyleSheet(QStringLiteral("QToolButton { padding: 0px 4px; }"));
        connect(m_toggle, &QToolButton::clicked, this, [this] { setEvidenceShown(m_evidence->isHidden()); });

        m_evidence->setReadOnly(true);
        m_evidence->setObjectName(QStringLiteral("timelineEvidence"));
        m_evidence->setLineWrapMode(QPlainTextEdit::WidgetWidth);
        QFont mono(QStringLiteral("DejaVu Sans Mono"));
        mono.setStyleHint(QFont::Monospace);
        mono.setPointSizeF(font().pointSizeF() * 0.9);
        m_evidence->setFont(mono);
        m_evidence->hide();
        column->addWidget(m_evidence);
        outer->addLayout(column, 1);
        m_toggle->hide();
    }

    void update(const QString& title, Timeline::StepState state, const QString& detail, const QDateTime& started,
                qint64 durationMs, const QString& evidence) {
        const bool becameFailed = state == Timeline::StepState::Failed && m_state != Timeline::StepState::Failed;
        m_state = state;
        QString icon = QStringLiteral("pending");
        QColor color = Semantic::muted();
        switch (state) {
        case Timeline::StepState::Pending: break;
        case Timeline::StepState::Running: icon = QStringLiteral("clock"); color = Semantic::busy(); break;
        case Timeline::StepState::Passed: icon = QStringLiteral("check-circle"); color = Semantic::ok(); break;
        case Timeline::StepState::Failed: icon = QStringLiteral("x-circle"); color = Semantic::error(); break;
        case Timeline::StepState::Warning: icon = QStringLiteral("warning"); color = Semantic::warning(); break;
        case Timeline::StepState::Skipped: icon = QStringLiteral("disable"); break;
        }
        m_icon->setPixmap(Icons::pixmap(icon, color, kIconSize, devicePixelRatioF()));
        m_icon->setToolTip(stateName(state));
        QFont f = font();
        f.setBold(state == Timeline::StepState::Running || state == Timeline::StepState::Failed);
        m_title->setFont(f);
        m_title->setText(title);
        QPalette pal = m_title->palette();
        const bool quiet = state == Timeline::StepState::Pending || state == Timeline::StepState::Skipped;
        pal.setColor(QPalette::WindowText, state == Timeline::StepState::Failed ? Semantic::error()
                                           : quiet                              ? Semantic::muted()
                                                                                : palette().color(QPalette::WindowText));
        m_title->setPalette(pal);
        m_detail->setText(detail);
        m_detail->setVisible(!detail.isEmpty());
        QStringList time;
        if (started.isValid()) time << started.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
        if (durationMs >= 0) {
            time << (state == Timeline::StepState::Running ? tr("running %1").arg(durationText(durationMs))
                                                           : durationText(durationMs));
        }
        m_time->setText(time.join(QStringLiteral("  ·  ")));
        if (m_evidence->toPlainText() != evidence) m_evidence->setPlainText(evidence);
        m_toggle->setVisible(!evidence.isEmpty());
        // Red steps open their evidence by themselves: it is what the user came to read.
        if (evidence.isEmpty()) setEvidenceShown(false);
        else if (becameFailed) setEvidenceShown(true);
        else setEvidenceShown(!m_evidence->isHidden());
    }

    void setEvidenceShown(bool shown) {
        shown = shown && !m_evidence->toPlainText().isEmpty();
        m_evidence->setVisible(shown);
        if (shown) fitEvidence();
        m_toggle->setText(tr("Evidence"));
        m_toggle->setToolTip(shown ? tr("Hide what was seen") : tr("Show what was seen"));
        m_toggle->setIcon(Icons::get(shown ? QStringLiteral("chevron-down") : QStringLiteral("chevron-right")));
    }

    bool isEvidenceShown() const { return !m_evidence->isHidden(); }
    bool hasEvidence() const { return !m_evidence->toPlainText().isEmpty(); }
    // Hidden toggles keep their room while any step has evidence, so the times of all rows
    // line up; with none (the plan before a run) the room would only widen every step.
    void setToggleRoomKept(bool kept) {
        QSizePolicy policy = m_toggle->sizePolicy();
        if (policy.retainSizeWhenHidden() == kept) return;
        policy.setRetainSizeWhenHidden(kept);
        m_toggle->setSizePolicy(policy);
    }

protected:
    void resizeEvent(QResizeEvent* event) override {
        QWidget::resizeEvent(event);
        if (isEvidenceShown()) fitEvidence();
    }

public:
    Timeline::StepState state() const { return m_state; }
    QRect iconGeometry() const { return m_icon->geometry().translated(pos()); }

private:
    // As tall as the evidence (wrapped lines counted), up to a few lines more than a log tail.
    void fitEvidence() {
        QTimer::singleShot(0, this, [this] {
            const int lines = std::max(1, int(m_evidence->document()->size().height()));
            const int height = lines * m_evidence->fontMetrics().lineSpacing() +
                               2 * int(m_evidence->document()->documentMargin()) + 2 * m_evidence->frameWidth() + 6;
            m_evidence->setFixedHeight(std::min(height, 220));
        });
    }

    static QString stateName(Timeline::StepState state) {
        switch (state) {
        case Timeline::StepState::Pending: return tr("Not started yet");
        case Timeline::StepState::Running: return tr("Running");
        case Timeline::StepState::Passed: return tr("Passed");
        case Timeline::StepState::Failed: return tr("Failed");
        case Timeline::StepState::Warning: return tr("Passed with a warning");
        case Timeline::StepState::Skipped: return tr("Not run");
        }
        return {};
    }

    Timeline::StepState m_state = Timeline::StepState::Pending;
    QLabel* m_icon;
    QLabel* m_title;
    QLabel* m_detail;
    QLabel* m_time;
    QToolButton* m_toggle;
    QPlainTextEdit* m_evidence;
};

class TimelineHeading : public QWidget {
public:
    explicit TimelineHeading(QWidget* parent) : QWidget(parent), m_title(new QLabel(this)), m_status(new QLabel(this)) {
        auto* layout = new QHBoxLayout(this);
        layout->setContentsMargins(0, 10, 0, 4);
        layout->setSpacing(8);
        QFont f = font();
        f.setBold(true);
        f.setPointSizeF(f.pointSizeF() * 1.1);
        m_title->setFont(f);
        m_title->setObjectName(QStringLiteral("timelineHeadingTitle"));
        layout->addWidget(m_title);
        m_status->setObjectName(QStringLiteral("timelineHeadingStatus"));
        // Wraps under a narrow card rather than widening every step beside it.
        m_status->setWordWrap(true);
        layout->addWidget(m_status, 1);
    }

    void update(const QString& title, const QString& status, Timeline::StepState state) {
        m_title->setText(title);
        m_status->setText(status);
        QColor color = Semantic::muted();
        if (state == Timeline::StepState::Passed) color = Semantic::ok();
        else if (state == Timeline::StepState::Failed) color = Semantic::error();
        else if (state == Timeline::StepState::Running) color = Semantic::busy();
        else if (state == Timeline::StepState::Warning) color = Semantic::warning();
        QPalette pal = m_status->palette();
        pal.setColor(QPalette::WindowText, color);
        m_status->setPalette(pal);
    }

private:
    QLabel* m_title;
    QLabel* m_status;
};

Timeline::Timeline(QWidget* parent) : QWidget(parent), m_layout(new QVBoxLayout(this)) {
    setObjectName(QStringLiteral("rebootTimeline"));
    m_layout->setContentsMargins(0, 0, 8, 0);
    m_layout->setSpacing(0);
    m_layout->addStretch(1);
}

void Timeline::clear() {
    qDeleteAll(m_rows);
    qDeleteAll(m_headings);
    m_rows.clear();
    m_headings.clear();
    m_order.clear();
    update();
}

void Timeline::setStep(const QString& id, const QString& title, StepState state, const QString& detail,
                       const QDateTime& started, qint64 durationMs, const QString& evidence) {
    TimelineRow* row = m_rows.value(id);
    if (!row) {
        row = new TimelineRow(this);
        row->setObjectName(QStringLiteral("timelineStep_") + id);
        m_layout->insertWidget(m_layout->count() - 1, row);
        m_rows.insert(id, row);
        m_order.append(id);
        row->show();  // now, not on the layout's queued show: the row is part of the list at once
    }
    row->update(title, state, detail, started, durationMs, evidence);
    const bool anyEvidence = std::any_of(m_rows.cbegin(), m_rows.cend(), [](const TimelineRow* r) { return r->hasEvidence(); });
    for (TimelineRow* r : std::as_const(m_rows)) r->setToggleRoomKept(anyEvidence);
    update();
}

void Timeline::setHeading(const QString& id, const QString& title, const QString& status, StepState state) {
    TimelineHeading* heading = m_headings.value(id);
    if (!heading) {
        heading = new TimelineHeading(this);
        heading->setObjectName(QStringLiteral("timelineHeading_") + id);
        m_layout->insertWidget(m_layout->count() - 1, heading);
        m_headings.insert(id, heading);
        heading->show();
    }
    heading->update(title, status, state);
}

Timeline::StepState Timeline::stepState(const QString& id) const {
    const auto* row = m_rows.value(id);
    return row ? row->state() : StepState::Pending;
}

QWidget* Timeline::stepWidget(const QString& id) const { return m_rows.value(id); }

bool Timeline::isEvidenceShown(const QString& id) const {
    const auto* row = m_rows.value(id);
    return row && row->isEvidenceShown();
}

void Timeline::showEvidence(const QString& id, bool shown) {
    if (auto* row = m_rows.value(id)) row->setEvidenceShown(shown);
}

void Timeline::paintEvent(QPaintEvent* event) {
    QWidget::paintEvent(event);
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const TimelineRow* previous = nullptr;
    for (int i = 0; i < m_layout->count(); ++i) {
        QWidget* w = m_layout->itemAt(i)->widget();
        auto* row = dynamic_cast<TimelineRow*>(w);
        if (!row) {
            previous = nullptr;  // a heading starts a new group
            continue;
        }
        if (previous) {
            const QRect a = previous->iconGeometry();
            const QRect b = row->iconGeometry();
            const bool done = previous->state() == StepState::Passed || previous->state() == StepState::Warning;
            QColor color = done ? Semantic::ok() : Semantic::muted();
            color.setAlphaF(done ? 0.7 : 0.35);
            painter.setPen(QPen(color, 2));
            const int x = a.center().x() + 1;
            painter.drawLine(x, a.bottom() + 4, x, b.top() - 3);
        }
        previous = row;
    }
}

}  // namespace fulcrum::ui
