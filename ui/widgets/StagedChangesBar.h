#pragma once
// The bar under an editor that holds staged edits: "3 changes not applied" with Validate,
// Diff, Discard and Apply. Nothing reaches the host until Apply; the bar stays visible while
// anything is staged so an edit is never forgotten.

#include <QWidget>

class QLabel;
class QPushButton;
class QProgressBar;

namespace fulcrum::ui {

class StagedChangesBar : public QWidget {
    Q_OBJECT
public:
    explicit StagedChangesBar(QWidget* parent = nullptr);

    void setChangeCount(int count);
    int changeCount() const { return m_count; }
    // While a request runs the buttons are disabled and `text` says what is happening.
    void setBusy(bool busy, const QString& text = {});
    void setStatusText(const QString& text);

signals:
    void validateRequested();
    void diffRequested();
    void discardRequested();
    void applyRequested();

private:
    void refresh();

    int m_count = 0;
    bool m_busy = false;
    QLabel* m_label;
    QLabel* m_status;
    QProgressBar* m_spinner;
    QPushButton* m_validate;
    QPushButton* m_diff;
    QPushButton* m_discard;
    QPushButton* m_apply;
};

}  // namespace fulcrum::ui
