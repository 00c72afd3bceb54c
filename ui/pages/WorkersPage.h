#pragma once
// Worker groups and their processes: state, uptime, restarts, CPU and memory per instance;
// start, stop, restart and scale a group; and the selected worker's log, live.

#include "ui/pages/SectionPage.h"

class QAbstractItemModel;
class QSpinBox;
class QToolButton;
class QTreeView;

namespace fulcrum::ui {

class LogView;

class WorkersPage : public SectionPage {
    Q_OBJECT
public:
    explicit WorkersPage(QWidget* parent = nullptr);

    QTreeView* workersTree() const { return m_tree; }
    LogView* logView() const { return m_log; }
    void setWorkersModel(QAbstractItemModel* model);
    // The group of the current row (a group row or one of its instances).
    QModelIndex currentGroup() const;
    void setScaleValue(int count);

signals:
    void startRequested(const QModelIndex& index);
    void stopRequested(const QModelIndex& index);
    void restartRequested(const QModelIndex& index);
    void scaleRequested(const QModelIndex& group, int count);
    void currentWorkerChanged(const QModelIndex& index);

private:
    void updateButtons();

    QTreeView* m_tree;
    QToolButton* m_start;
    QToolButton* m_stop;
    QToolButton* m_restart;
    QSpinBox* m_scale;
    QToolButton* m_applyScale;
    LogView* m_log;
};

}  // namespace fulcrum::ui
