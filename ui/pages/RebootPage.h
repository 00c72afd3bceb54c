#pragma once
// Reboot & verify: choose hosts, start, and watch a checklist fill in live — host down, back
// up with a new boot id, agent started by boot persistence, workers healthy, listeners bound,
// requests reach every upstream, stable for the window — each with its time and duration,
// evidence under every red step, and a verdict at the end.

#include "ui/pages/SectionPage.h"
#include "ui/widgets/Timeline.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace fulcrum::ui {

class MessageBanner;

class RebootPage : public SectionPage {
    Q_OBJECT
public:
    explicit RebootPage(QWidget* parent = nullptr);

    struct Options {
        QStringList hostIds;
        QString command;
        bool rolling = true;
        int stabilitySeconds = 30;
    };

    // The hosts that can be chosen; `preselected` is checked (the page's own host).
    void setHosts(const QList<QPair<QString, QString>>& idAndName, const QString& preselected);
    Options options() const;
    Timeline* timeline() const { return m_timeline; }
    void setRunning(bool running);
    bool isRunning() const { return m_running; }
    // The verdict banner: green with a summary, or red naming the failed step.
    void setVerdict(bool passed, const QString& summary, const QString& details = {});
    void clearVerdict();
    void setPreflightWarning(const QString& text);
    // False for "This computer": the start button is disabled and says why.
    void setRebootable(bool rebootable, const QString& why = {});

signals:
    void startRequested(const fulcrum::ui::RebootPage::Options& options);
    void cancelRequested();

private:
    bool m_running = false;
    bool m_rebootable = true;
    QListWidget* m_hosts;
    QLineEdit* m_command;
    QCheckBox* m_rolling;
    QSpinBox* m_stability;
    QPushButton* m_start;
    QPushButton* m_cancel;
    QLabel* m_preflight;
    MessageBanner* m_verdict;
    Timeline* m_timeline;
    QLabel* m_idle;
};

}  // namespace fulcrum::ui
