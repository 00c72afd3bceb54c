#pragma once
// The human diff between the applied and the staged config: one line per change, phrased the
// way the panel shows it ("Pool “app”, server 127.0.0.1:8001: weight 1 → 3"). Lists of named
// things (pools, servers, listeners, worker groups, routes) are matched by name, address or
// path prefix, not by position, so removing the first server reads as one removal and not as
// every server changing.

#include <QJsonObject>
#include <QList>
#include <QString>

namespace fulcrum::app {

struct ConfigChange {
    enum class Kind { Added, Removed, Changed };
    Kind kind = Kind::Changed;
    QString path;         // machine path, e.g. "pools[app].servers[127.0.0.1:8001].weight"
    QString description;  // the line shown to the user
    bool operator==(const ConfigChange&) const = default;
};

QList<ConfigChange> diffConfigs(const QJsonObject& before, const QJsonObject& after);

// A JSON value in one short line, for diffs and tooltips ("round_robin", 3, [..3 items]).
QString shortValue(const QJsonValue& value);

}  // namespace fulcrum::app
