#pragma once
// The TCP ports a host config serves on: every listener's, the metrics listener's and every
// worker's ("ports", or "count" of them from "base_port"). For telling a person what stopping
// the host's processes frees, in the numbers of the config it runs rather than the demo's
// defaults. Reads what it can of any document: a malformed entry is skipped, never guessed.

#include <QJsonObject>
#include <QList>
#include <QString>

namespace fulcrum::app {

// Sorted, each port once.
QList<int> servedPorts(const QJsonObject& config);
// "8000–8003, 8080 and 8443": runs of consecutive ports joined by an en dash.
QString describePorts(const QList<int>& sortedPorts);

}  // namespace fulcrum::app
