#pragma once
// A pool server's health in the words of the agent's metrics samples (ServerSample::state):
// the proxy's own state of the server ("active", "draining", "disabled"), with "active"
// replaced by "down" while failed health checks keep it out of rotation (see
// agent/metrics/traffic_sampler.cpp). The Overview's count and the Pools table both read the
// word here, so the two cannot disagree.

#include "agent/protocol/metrics.h"

#include <QString>

#include <vector>

namespace fulcrum::app {

enum class ServerHealth {
    Unknown,   // no sample, or a word this panel does not know
    Healthy,   // in rotation (active, or draining its last connections)
    Down,      // out of rotation because its checks fail
    Disabled,  // taken out on purpose: not checked, not counted
};

ServerHealth serverHealth(const QString& sampleState);
QString serverHealthText(ServerHealth health);  // "Healthy", "Down", "Disabled", "—"

struct ServerHealthCount {
    int healthy = 0;
    int total = 0;  // servers that should be in rotation (disabled ones are not)
};
ServerHealthCount countServerHealth(const std::vector<protocol::PoolSample>& pools);

}  // namespace fulcrum::app
