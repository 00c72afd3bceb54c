#pragma once
// The host's recent events (app::HostEvents) as a calm list: a dot in the event's colour,
// the time and what happened, newest on top; a sentence instead of an empty box.

#include <QWidget>

class QAbstractItemModel;
class QLabel;
class QListView;

namespace fulcrum::ui {

class EventList : public QWidget {
    Q_OBJECT
public:
    explicit EventList(QWidget* parent = nullptr);

    void setModel(QAbstractItemModel* model);
    QListView* view() const { return m_view; }

private:
    void updateEmpty();

    QListView* m_view;
    QLabel* m_empty;
    QAbstractItemModel* m_model = nullptr;
};

}  // namespace fulcrum::ui
