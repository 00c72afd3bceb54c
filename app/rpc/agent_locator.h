#pragma once
// Finds the fulcrum-agent binary that ships with the panel: it runs "This computer" and is the
// file uploaded to hosts.

#include <QString>
#include <QStringList>

namespace fulcrum::app {

struct AgentBinary {
    QString path;           // empty when not found
    QStringList searched;   // every place looked at, for the error message
    QString errorText() const;
};

// In order: $FULCRUM_AGENT (explicit override), the build tree's agent (developer builds),
// next to the running executable, ../lib/fulcrum/fulcrum-agent (installed layout).
AgentBinary locateAgentBinary();

}  // namespace fulcrum::app
