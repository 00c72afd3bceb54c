#include "app/models/served_ports.h"

#include <QCoreApplication>
#include <QJsonArray>

#include <algorithm>

namespace fulcrum::app {
namespace {

// A config's worker group may ask for many instances; a sentence needs only their range, and
// the agent refuses more than this anyway.
constexpr int kMaxWorkersPerGroup = 1024;

bool isPort(qint64 port) { return port > 0 && port <= 65535; }

// "0.0.0.0:8080", "[::]:8443", "127.0.0.1:9113": the number after the last colon.
void addAddressPort(const QJsonValue& address, QList<int>& ports) {
    const QString text = address.toString();
    const int colon = int(text.lastIndexOf(QLatin1Char(':')));
    if (colon < 0) return;
    bool ok = false;
    const int port = text.mid(colon + 1).toInt(&ok);
    if (ok && isPort(port)) ports << port;
}

}  // namespace

QList<int> servedPorts(const QJsonObject& config) {
    QList<int> ports;
    for (const QJsonValue& listener : config.value(QStringLiteral("listeners")).toArray())
        addAddressPort(listener.toObject().value(QStringLiteral("address")), ports);
    addAddressPort(config.value(QStringLiteral("metrics_listener")), ports);
    for (const QJsonValue& value : config.value(QStringLiteral("workers")).toArray()) {
        const QJsonObject group = value.toObject();
        if (group.contains(QStringLiteral("ports"))) {
            for (const QJsonValue& port : group.value(QStringLiteral("ports")).toArray()) {
                if (port.isDouble() && isPort(port.toInteger())) ports << int(port.toInteger());
            }
            continue;
        }
        const qint64 base = group.value(QStringLiteral("base_port")).toInteger();
        const qint64 count = std::min<qint64>(group.value(QStringLiteral("count")).toInteger(), kMaxWorkersPerGroup);
        for (qint64 i = 0; i < count && isPort(base) && isPort(base + i); ++i) ports << int(base + i);
    }
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    return ports;
}

QString describePorts(const QList<int>& sortedPorts) {
    QStringList runs;
    for (int i = 0; i < sortedPorts.size();) {
        int j = i;
        while (j + 1 < sortedPorts.size() && sortedPorts[j + 1] == sortedPorts[j] + 1) ++j;
        runs << (j == i ? QString::number(sortedPorts[i])
                        : QStringLiteral("%1–%2").arg(sortedPorts[i]).arg(sortedPorts[j]));
        i = j + 1;
    }
    if (runs.size() <= 1) return runs.join(QString());
    const QString last = runs.takeLast();
    return runs.join(QStringLiteral(", ")) + QCoreApplication::translate("ServedPorts", " and ") + last;
}

}  // namespace fulcrum::app
