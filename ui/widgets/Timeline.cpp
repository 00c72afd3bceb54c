#include "ui/widgets/Timeline.h"

#include "ui/Icons.h"
#include "ui/Theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace fulcrum::ui {

class TimelineRow : public QWidget {
public:
    explicit TimelineRow(QWidget* parent)
        : QWidget(parent), m_icon(new QLabel(this)), m_title(new QLabel(this)), m_detail(new QLabel(this)),
          m_time(new QLabel(this)), m_evidence(new QPlainTextEdit(this)) {
        auto* outer = new QVBoxLayout(this);
        outer->setContentsMargins(0, 4, 0, 4);
        outer->setSpacing(4);
        auto* row = new QHBoxLayout;
        row->setSpacing(10);
        m_icon->setFixedSize(22, 22);
        row->addWidget(m_icon, 0, Qt::AlignTop);
        auto* texts = new QVBoxLayout;
        texts->setSpacing(1);
        m_title->setWordWrap(true);
        m_detail->setWordWrap(true);
        m_detail->setProperty("role", QStringLiteral("muted"));
        m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
        texts->addWidget(m_title);
        texts->addWidget(m_detail);
        row->addLayout(texts, 1);
        m_time->setProperty("role", QStringLiteral("muted"));
        m_time->setAlignment(Qt::AlignRight | Qt::AlignTop);
        row->addWidget(m_time, 0, Qt::AlignTop);
        outer->addLayout(row);
        m_evidence->setReadOnly(true);
        m_evidence->setObjectName(QStringLiteral("timelineEvidence"));
        QFont mono(QStringLiteral("DejaVu Sans Mono"));
        mono.setPointSizeF(font().pointSizeF() * 0.9);
        m_evidence->setFont(mono);
        m_evidence->setMaximumHeight(130);
        m_evidence->setContentsMargins(32, 0, 0, 0);
        m_evidence->hide();
        outer->addWidget(m_evidence);
    }

    void update(const QString& title, Timeline::StepState state, const QString& detail, const QDateTime& started,
                qint64 durationMs, const QString& evidence) {
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
        m_icon->setPixmap(Icons::pixmap(icon, color, 22, devicePixelRatioF()));
        QFont f = font();
        f.setBold(state == Timeline::StepState::Running || state == Timeline::StepState::Failed);
        m_title->setFont(f);
        m_title->setText(title);
        QPalette pal = m_title->palette();
        pal.setColor(QPalette::WindowText, state == Timeline::StepState::Pending ? Semantic::muted()
                                                                                 : palette().color(QPalette::WindowText));
        m_title->setPalette(pal);
        m_detail->setText(detail);
        m_detail->setVisible(!detail.isEmpty());
        QStringList time;
        if (started.isValid()) time << started.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
        if (durationMs >= 0) {
            time << (durationMs < 1000 ? QStringLiteral("%1 ms").arg(durationMs)
                                       : QStringLiteral("%1 s").arg(durationMs / 1000.0, 0, 'f', 1));
        }
        m_time->setText(time.join(QStringLiteral(" · ")));
        m_evidence->setPlainText(evidence);
        m_evidence->setVisible(!evidence.isEmpty());
    }

    Timeline::StepState state() const { return m_state; }

private:
    Timeline::StepState m_state = Timeline::StepState::Pending;
    QLabel* m_icon;
    QLabel* m_title;
    QLabel* m_detail;
    QLabel* m_time;
    QPlainTextEdit* m_evidence;
};

Timeline::Timeline(QWidget* parent) : QWidget(parent), m_layout(new QVBoxLayout(this)) {
    setObjectName(QStringLiteral("rebootTimeline"));
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(2);
    m_layout->addStretch(1);
}

void Timeline::clear() {
    qDeleteAll(m_rows);
    m_rows.clear();
    m_order.clear();
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
    }
    row->update(title, state, detail, started, durationMs, evidence);
}

Timeline::StepState Timeline::stepState(const QString& id) const {
    const auto* row = m_rows.value(id);
    return row ? row->state() : StepState::Pending;
}

}  // namespace fulcrum::ui
