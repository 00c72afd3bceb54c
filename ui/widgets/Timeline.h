#pragma once
// The reboot-and-verify checklist: one row per step with its state icon, title, start time
// and duration; a failed step opens its evidence (log lines, the failed request) below it,
// other steps keep theirs one click away. Headings group the steps of one host when several
// are rebooted in a row. Rows are keyed by id so live updates only touch the row that changed.

#include <QDateTime>
#include <QHash>
#include <QWidget>

class QVBoxLayout;

namespace fulcrum::ui {

class TimelineRow;
class TimelineHeading;

class Timeline : public QWidget {
    Q_OBJECT
public:
    enum class StepState { Pending, Running, Passed, Failed, Skipped, Warning };

    explicit Timeline(QWidget* parent = nullptr);

    void clear();
    // Adds the step if it is new, otherwise updates it. Steps keep their insertion order.
    // A running step's duration is the time it has been running so far.
    void setStep(const QString& id, const QString& title, StepState state, const QString& detail = {},
                 const QDateTime& started = {}, qint64 durationMs = -1, const QString& evidence = {});
    // A heading above the steps added after it (a host's name and how its run went).
    void setHeading(const QString& id, const QString& title, const QString& status = {},
                    StepState state = StepState::Pending);
    StepState stepState(const QString& id) const;
    int stepCount() const { return static_cast<int>(m_rows.size()); }
    QStringList stepIds() const { return m_order; }
    QWidget* stepWidget(const QString& id) const;
    // Whether the step's evidence is shown (failed steps open it by themselves).
    bool isEvidenceShown(const QString& id) const;
    void showEvidence(const QString& id, bool shown);

protected:
    // The line that joins the step icons of one group, green where the steps passed.
    void paintEvent(QPaintEvent* event) override;

private:
    QVBoxLayout* m_layout;
    QHash<QString, TimelineRow*> m_rows;
    QHash<QString, TimelineHeading*> m_headings;
    QStringList m_order;
};

}  // namespace fulcrum::ui
