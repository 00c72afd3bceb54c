#pragma once
// Workers: groups and instances from workers.list, kept live by workers.changed; start, stop,
// restart (a group or one instance) and scale; the selected worker's log streamed with
// logs.follow (the previous stream is cancelled when the selection moves).

#include "ui/host/HostPart.h"

#include <QTimer>

namespace fulcrum::app {
class WorkerModel;
}

namespace fulcrum::ui {

class WorkersPage;

class WorkersController : public HostPart {
    Q_OBJECT
public:
    WorkersController(app::HostSession* session, WorkersPage* page, QObject* parent = nullptr);

    void connected() override;
    void disconnected() override;
    app::WorkerModel* model() const { return m_model; }
    bool isAvailable() const { return m_available; }

signals:
    void availabilityChanged(bool available);

private:
    void act(const QModelIndex& index, const QString& verb);
    void scale(const QModelIndex& group, int count);
    void follow(const QModelIndex& index);
    void cancelFollow();
    void refresh();
    void showLine(const protocol::LogLine& line);

    WorkersPage* m_page;
    QTimer* m_refresh;
    app::WorkerModel* m_model;
    bool m_available = false;
    qint64 m_subscription = 0;
    quint64 m_followGeneration = 0;
    QString m_followKey;
    bool m_followPending = false;
    // Lines that arrived before logs.follow answered with their subscription id (the agent
    // may send the tail first); bounded, replayed once the id is known.
    QList<protocol::LogsLineNotification> m_early;
};

}  // namespace fulcrum::ui
