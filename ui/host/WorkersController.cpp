#include "ui/host/WorkersController.h"

#include "app/models/worker_model.h"
#include "ui/pages/WorkersPage.h"
#include "ui/widgets/LogView.h"
#include "ui/widgets/MessageBanner.h"

#include <QDateTime>
#include <QTreeView>

namespace fulcrum::ui {

namespace method = protocol::method;

WorkersController::WorkersController(app::HostSession* session, WorkersPage* page, QObject* parent)
    : HostPart(session, parent), m_page(page), m_refresh(new QTimer(this)), m_model(new app::WorkerModel(this)) {
    // workers.changed reports state changes; uptime, CPU and memory move without one, so the
    // list is refreshed every few seconds while connected.
    m_refresh->setInterval(5000);
    connect(m_refresh, &QTimer::timeout, this, &WorkersController::refresh);
    page->setWorkersModel(m_model);
    connect(page, &WorkersPage::startRequested, this, [this](const QModelIndex& i) { act(i, QStringLiteral("start")); });
    connect(page, &WorkersPage::stopRequested, this, [this](const QModelIndex& i) { act(i, QStringLiteral("stop")); });
    connect(page, &WorkersPage::restartRequested, this, [this](const QModelIndex& i) { act(i, QStringLiteral("restart")); });
    connect(page, &WorkersPage::scaleRequested, this, &WorkersController::scale);
    connect(page, &WorkersPage::currentWorkerChanged, this, [this](const QModelIndex& index) {
        const QModelIndex group = m_page->currentGroup();
        if (group.isValid()) m_page->setScaleValue(group.data(app::WorkerModel::DesiredRole).toInt());
        follow(index);
    });
}

void WorkersController::connected() {
    if (auto* client = rpc(); client && wireOnce()) {
        connect(client, &app::RpcClient::workersChanged, this,
                [this](const protocol::WorkersChanged& change) { m_model->updateGroup(change.group); });
        connect(client, &app::RpcClient::logLine, this, [this](const protocol::LogsLineNotification& n) {
            if (m_subscription != 0 && n.subscription == m_subscription) return showLine(n.line);
            if (m_followPending && m_early.size() < 2000) m_early.append(n);
        });
    }
    call<method::WorkersList>({}, [this](protocol::Outcome<protocol::WorkersListResult> result) {
        if (!result) {
            m_available = false;
            emit availabilityChanged(false);
            m_model->clear();
            return showRpcError(m_page, tr("Listing the workers"), result.error());
        }
        m_available = true;
        emit availabilityChanged(true);
        m_refresh->start();
        m_page->banner()->hide();
        m_model->setGroups(result.value().groups);
        if (!m_page->workersTree()->currentIndex().isValid() && m_model->rowCount() > 0) {
            m_page->workersTree()->setCurrentIndex(m_model->index(0, 0));
        } else {
            follow(m_page->workersTree()->currentIndex());
        }
    });
}

void WorkersController::refresh() {
    if (!isConnected() || !m_available) return;
    call<method::WorkersList>({}, [this](protocol::Outcome<protocol::WorkersListResult> result) {
        if (result) m_model->setGroups(result.value().groups);
    });
}

void WorkersController::disconnected() {
    m_refresh->stop();
    // The agent drops a connection's subscriptions with it.
    m_subscription = 0;
    m_followKey.clear();
    m_followPending = false;
    m_early.clear();
}

void WorkersController::act(const QModelIndex& index, const QString& verb) {
    if (!index.isValid()) return;
    protocol::WorkersTarget target;
    target.group = index.data(app::WorkerModel::GroupRole).toString().toStdString();
    const int instance = index.siblingAtColumn(0).data(app::WorkerModel::InstanceIndexRole).toInt();
    if (instance >= 0) target.index = instance;
    const QString what = instance >= 0 ? tr("%1 worker %2 #%3").arg(verb, QString::fromStdString(target.group)).arg(instance)
                                       : tr("%1 worker group %2").arg(verb, QString::fromStdString(target.group));
    auto done = [this, what](protocol::Outcome<protocol::WorkerGroupStatus> result) {
        if (!result) {
            QString sentence = what;
            sentence[0] = sentence[0].toUpper();
            return showRpcError(m_page, sentence, result.error());
        }
        m_model->updateGroup(result.value());
    };
    if (verb == QLatin1String("start")) {
        call<method::WorkersStart>(target, done);
    } else if (verb == QLatin1String("stop")) {
        call<method::WorkersStop>(target, done);
    } else {
        call<method::WorkersRestart>(target, done);
    }
}

void WorkersController::scale(const QModelIndex& group, int count) {
    if (!group.isValid()) return;
    protocol::WorkersScaleParams params;
    params.group = group.data(app::WorkerModel::GroupRole).toString().toStdString();
    params.count = count;
    call<method::WorkersScale>(params, [this, params](protocol::Outcome<protocol::WorkerGroupStatus> result) {
        if (!result) {
            return showRpcError(m_page, tr("Scaling %1 to %2").arg(QString::fromStdString(params.group)).arg(params.count),
                                result.error());
        }
        m_model->updateGroup(result.value());
    });
}

void WorkersController::showLine(const protocol::LogLine& l) {
    const QString time = QDateTime::fromMSecsSinceEpoch(l.time_ms).toString(QStringLiteral("HH:mm:ss"));
    const QString who = l.index ? QStringLiteral("%1#%2").arg(QString::fromStdString(l.group)).arg(*l.index)
                                : QString::fromStdString(l.group);
    // stderr and the supervisor's own events are marked so they stand out in a long log.
    const QString stream = l.stream == "stderr" ? QStringLiteral(" !") : l.stream == "agent" ? QStringLiteral(" ·") : QString();
    m_page->logView()->appendLines({QStringLiteral("%1 %2%3 %4").arg(time, who, stream, QString::fromStdString(l.text))});
}

void WorkersController::cancelFollow() {
    if (m_subscription != 0) {
        call<method::SubscriptionCancel>(protocol::Subscription{m_subscription}, [](auto) {});
    }
    m_subscription = 0;
}

void WorkersController::follow(const QModelIndex& index) {
    if (!index.isValid() || !isConnected()) return;
    protocol::LogsFollowParams params;
    params.source.group = index.data(app::WorkerModel::GroupRole).toString().toStdString();
    const int instance = index.siblingAtColumn(0).data(app::WorkerModel::InstanceIndexRole).toInt();
    if (instance >= 0) params.source.index = instance;
    params.tail = 200;
    const QString key = QStringLiteral("%1#%2").arg(QString::fromStdString(params.source.group)).arg(instance);
    if (key == m_followKey && m_subscription != 0) return;
    cancelFollow();
    m_followKey = key;
    m_page->logView()->clear();
    m_page->logView()->setTitle(instance >= 0 ? tr("Log of %1 #%2").arg(QString::fromStdString(params.source.group)).arg(instance)
                                              : tr("Log of all %1 workers").arg(QString::fromStdString(params.source.group)));
    const quint64 generation = ++m_followGeneration;
    m_followPending = true;
    m_early.clear();
    call<method::LogsFollow>(params, [this, generation](protocol::Outcome<protocol::Subscription> result) {
        if (generation != m_followGeneration) {
            // The selection moved on while this was on its way: cancel the stale stream.
            if (result) call<method::SubscriptionCancel>(result.value(), [](auto) {});
            return;
        }
        m_followPending = false;
        const auto early = std::exchange(m_early, {});
        if (!result) {
            m_followKey.clear();
            m_page->logView()->appendLines(
                {result.error().is(protocol::ErrorCode::MethodNotFound)
                     ? tr("Live logs are not available yet on this host's agent.")
                     : tr("The log cannot be shown: %1").arg(QString::fromStdString(result.error().message))});
            return;
        }
        m_subscription = result.value().subscription;
        for (const auto& n : early) {
            if (n.subscription == m_subscription) showLine(n.line);
        }
    });
}

}  // namespace fulcrum::ui
