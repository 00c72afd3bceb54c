#include "app/models/server_health.h"

#include <QObject>

namespace fulcrum::app {

ServerHealth serverHealth(const QString& sampleState) {
    if (sampleState == QLatin1String("active") || sampleState == QLatin1String("draining")) return ServerHealth::Healthy;
    if (sampleState == QLatin1String("down")) return ServerHealth::Down;
    if (sampleState == QLatin1String("disabled")) return ServerHealth::Disabled;
    return ServerHealth::Unknown;
}

QString serverHealthText(ServerHealth health) {
    switch (health) {
    case ServerHealth::Healthy: return QObject::tr("Healthy");
    case ServerHealth::Down: return QObject::tr("Down");
    case ServerHealth::Disabled: return QObject::tr("Disabled");
    case ServerHealth::Unknown: break;
    }
    return QObject::tr("—");
}

ServerHealthCount countServerHealth(const std::vector<protocol::PoolSample>& pools) {
    ServerHealthCount count;
    for (const auto& pool : pools) {
        for (const auto& server : pool.servers) {
            const ServerHealth health = serverHealth(QString::fromStdString(server.state));
            if (health == ServerHealth::Disabled) continue;
            ++count.total;
            if (health == ServerHealth::Healthy) ++count.healthy;
        }
    }
    return count;
}

}  // namespace fulcrum::app
