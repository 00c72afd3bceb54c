#pragma once
// The reboot-and-verify checklist: one row per step with its state icon, title, start time
// and duration; a failed step opens its evidence (log lines, the failed request) below it.
// Rows are keyed by step id so live updates only touch the row that changed.

#include <QDateTime>
#include <QHash>
#include <QWidget>

class QVBoxLayout;

namespace fulcrum::ui {

class TimelineRow;

class Timeline : public QWidget {
    Q_OBJECT
public:
    enum class StepState { Pending, Running, Passed, Failed, Skipped, Warning };

    explicit Timeline(QWidget* parent = nullptr);

    void clear();
    // Adds the step if it is new, otherwise updates it. Steps keep their insertion order.
    void setStep(const QString& id, const QString& title, StepState state, const QString& detail = {},
                 const QDateTime& started = {}, qint64 durationMs = -1, const QString& evidence = {});
    StepState stepState(const QString& id) const;
    int stepCount() const { return static_cast<int>(m_rows.size()); }
    QStringList stepIds() const { return m_order; }

private:
    QVBoxLayout* m_layout;
    QHash<QString, TimelineRow*> m_rows;
    QStringList m_order;
};

}  // namespace fulcrum::ui
