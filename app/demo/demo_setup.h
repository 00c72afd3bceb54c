#pragma once
// Puts the built-in demo on "This computer": if the agent has no config yet, makes the demo's
// self-signed certificate (`fulcrum-agent cert self-signed`, once) and applies the demo config.
// An agent that already has a config is left alone: the demo never overwrites a user's setup.

#include "app/demo/demo_config.h"
#include "app/models/config_backend.h"

#include <QObject>

class QProcess;

namespace fulcrum::app {

class DemoSetup : public QObject {
    Q_OBJECT
public:
    // `backend` is not owned and must outlive the run (or the DemoSetup be destroyed first).
    DemoSetup(ConfigBackend* backend, QString agentPath, DemoPaths paths, QObject* parent = nullptr);

    void start();
    bool isRunning() const { return m_running; }

signals:
    void progress(const QString& text);
    // `applied`: the demo config was applied now (false: the host already had a config).
    void finished(bool applied, qint64 version);
    void failed(const QString& message, const QString& details);

private:
    void ensureCertificate();
    void apply();
    void fail(const QString& message, const QString& details = {});

    ConfigBackend* m_backend;
    QString m_agentPath;
    DemoPaths m_paths;
    QProcess* m_process = nullptr;
    bool m_running = false;
};

}  // namespace fulcrum::app
