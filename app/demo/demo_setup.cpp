#include "app/demo/demo_setup.h"

#include "app/models/format.h"
#include "app/models/json_bridge.h"

#include <QFileInfo>
#include <QPointer>
#include <QProcess>

namespace fulcrum::app {

DemoSetup::DemoSetup(ConfigBackend* backend, QString agentPath, DemoPaths paths, QObject* parent)
    : QObject(parent), m_backend(backend), m_agentPath(std::move(agentPath)), m_paths(std::move(paths)) {}

void DemoSetup::fail(const QString& message, const QString& details) {
    m_running = false;
    emit failed(message, details);
}

void DemoSetup::start() {
    if (m_running) return;
    m_running = true;
    emit progress(tr("Checking whether this computer already has a configuration…"));
    QPointer<DemoSetup> self(this);
    m_backend->getConfig({}, [self](protocol::Outcome<protocol::ConfigGetResult> result) {
        if (!self) return;
        if (!result) {
            return self->fail(plainError(tr("Setting up the demo"), result.error()),
                              tr("The demo needs an agent that stores a configuration (config.get)."));
        }
        if (result.value().version != 0) {
            self->m_running = false;
            emit self->finished(false, result.value().version);
            return;
        }
        self->ensureCertificate();
    });
}

void DemoSetup::ensureCertificate() {
    if (QFileInfo::exists(m_paths.certPath) && QFileInfo::exists(m_paths.keyPath)) return apply();
    if (m_agentPath.isEmpty()) {
        return fail(tr("The demo's HTTPS certificate cannot be made: the fulcrum-agent program was not found."));
    }
    emit progress(tr("Making a self-signed certificate for https://localhost:8443…"));
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        // Bounded: the tool prints a few lines.
        const QString output = QString::fromUtf8(m_process->read(16 * 1024)).trimmed();
        m_process->deleteLater();
        m_process = nullptr;
        if (status != QProcess::NormalExit || code != 0) {
            return fail(tr("The demo's HTTPS certificate could not be made."), output);
        }
        apply();
    });
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart) return;
        const QString why = m_process->errorString();
        m_process->deleteLater();
        m_process = nullptr;
        fail(tr("The demo's HTTPS certificate could not be made: %1 did not start.").arg(m_agentPath), why);
    });
    m_process->start(m_agentPath, selfSignedArguments(m_paths));
}

void DemoSetup::apply() {
    QString error;
    const QJsonObject doc = loadDemoConfig(m_paths, &error);
    if (doc.isEmpty()) return fail(tr("The demo's configuration could not be read."), error);
    emit progress(tr("Starting the demo: four workers behind the proxy on ports 8080 and 8443…"));
    protocol::ConfigApplyParams params;
    params.config.document = toNlohmann(doc);
    params.expected_version = 0;  // only onto an empty agent: never over someone's config
    params.comment = "Built-in demo";
    QPointer<DemoSetup> self(this);
    m_backend->applyConfig(params, [self](protocol::Outcome<protocol::ConfigApplyResult> result) {
        if (!self) return;
        if (!result) {
            QString details;
            if (result.error().data.is_object() && result.error().data.contains("errors")) {
                QStringList lines;
                for (const auto& e : result.error().data["errors"]) {
                    if (e.is_object()) {
                        lines << QStringLiteral("%1: %2").arg(QString::fromStdString(e.value("path", "")),
                                                              QString::fromStdString(e.value("message", "")));
                    }
                }
                details = lines.join(QLatin1Char('\n'));
            }
            return self->fail(plainError(tr("Applying the demo configuration"), result.error()), details);
        }
        self->m_running = false;
        emit self->finished(true, result.value().version);
    });
}

}  // namespace fulcrum::app
