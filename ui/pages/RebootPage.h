#pragma once
// Reboot & verify: choose hosts, start, and watch a checklist fill in live — host down, back
// up with a new boot id, agent started by boot persistence, workers healthy, listeners bound,
// requests reach every upstream, stable for the window — each with its time and duration,
// evidence under every red step, and a verdict at the end. The page only shows and asks;
// RebootController (ui/host) runs the verification.

#include "ui/pages/SectionPage.h"
#include "ui/widgets/Timeline.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QScrollArea;
class QPushButton;
class QSpinBox;

namespace fulcrum::ui {

class MessageBanner;

class RebootPage : public SectionPage {
    Q_OBJECT
public:
    explicit RebootPage(QWidget* parent = nullptr);

    struct Options {
        QStringList hostIds;  // in the order they are listed
        QString command;
        bool rolling = false;
        int stabilitySeconds = 30;
    };

    // One line of the host list.
    struct HostChoice {
        QString id;
        QString name;
        QString detail;        // "connected", "not connected", "being rebooted from web1's page"
        bool available = true;  // false: shown greyed out, cannot be checked
        bool preselected = false;
    };

    // The hosts that can be chosen; the user's checks survive an update. An empty list shows
    // `emptyText` instead.
    void setHosts(const QList<HostChoice>& hosts, const QString& emptyText = {});
    Options options() const;
    Timeline* timeline() const { return m_timeline; }
    // Scrolls the timeline so the step (the running one, a red one) is in view.
    void ensureStepVisible(const QString& id);
    void setRunning(bool running);
    bool isRunning() const { return m_running; }
    // "Host 1 of 2 · web1: SSH and agent back", and how far the whole run is.
    void setProgress(const QString& text, int done, int total);
    // The verdict banner: green with a summary, or red naming the failed step and what to do.
    void setVerdict(bool passed, const QString& summary, const QString& details = {});
    // The user stopped the run: neither green nor red.
    void setCancelled(const QString& summary, const QString& details);
    void clearVerdict();
    // Preflight found something the user has to accept (no boot persistence, unsaved edits):
    // a warning with "Reboot anyway" (confirmed) and "Don't reboot" (declined).
    void askConfirmation(const QString& text, const QString& details);
    // False for "This computer" with no server to choose: the start button is disabled and the
    // page says why.
    void setRebootable(bool rebootable, const QString& why = {});
    // Rolling mode needs the core's rolling reboot; without it the box is off and says why.
    void setRollingAvailable(bool available, const QString& why = {});

signals:
    void startRequested(const fulcrum::ui::RebootPage::Options& options);
    void cancelRequested();
    void confirmed();
    void declined();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void updateStartButton();

    bool m_running = false;
    bool m_rebootable = true;
    bool m_rollingAvailable = true;
    QString m_notRebootableWhy;
    QListWidget* m_hosts;
    QLabel* m_noHosts;
    QLineEdit* m_command;
    QCheckBox* m_rolling;
    QLabel* m_rollingNote;
    QSpinBox* m_stability;
    QPushButton* m_start;
    QPushButton* m_cancel;
    QLabel* m_note;
    QLabel* m_progressText;
    QProgressBar* m_progress;
    MessageBanner* m_verdict;
    Timeline* m_timeline;
    QWidget* m_timelineArea;
    QScrollArea* m_scroll;
    QLabel* m_idle;
};

}  // namespace fulcrum::ui
