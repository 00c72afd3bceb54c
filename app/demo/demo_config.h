#pragma once
// The built-in demo's host config: resources/demo/host-config.json with its placeholders
// (@DEMO_DIR@, @CERT@, @KEY@) replaced by absolute paths on this computer. The panel applies
// it to "This computer" when that agent has no config yet.

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace fulcrum::app {

struct DemoPaths {
    QString demoDir;   // holds demo_app.py, static/ and host-config.json
    QString certPath;  // the self-signed certificate for the 8443 listener
    QString keyPath;
};

// $FULCRUM_DEMO_DIR, the source tree (developer builds), <exe>/../share/fulcrum/demo.
// Empty if none holds host-config.json; `searched` lists where it looked.
QString locateDemoDirectory(QStringList* searched = nullptr);

// Where the demo's certificate lives on this computer: the agent's TLS directory
// ($XDG_STATE_HOME/fulcrum/tls or ~/.local/state/fulcrum/tls).
DemoPaths defaultDemoPaths(const QString& demoDir);

// Reads and fills in the template. On failure returns {} and says why in `error`.
QJsonObject loadDemoConfig(const DemoPaths& paths, QString* error);

// The arguments for `fulcrum-agent cert self-signed` that make the demo's certificate.
QStringList selfSignedArguments(const DemoPaths& paths);

}  // namespace fulcrum::app
