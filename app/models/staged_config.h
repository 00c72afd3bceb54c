#pragma once
// A host's config document as the panel edits it: the applied version (what the agent runs)
// and a staged copy that the pages change. Nothing reaches the host until apply(); the staged
// changes are listed in words (changes()), checked by the host (validate()) and sent with the
// applied version as expected_version, so two panels cannot overwrite each other silently.

#include "app/models/config_backend.h"
#include "app/models/config_diff.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QStringList>

namespace fulcrum::app {

struct ConfigProblem {
    QString path;  // "pools[0].servers[1].address"
    int line = 0;
    int column = 0;
    QString message;
    bool operator==(const ConfigProblem&) const = default;
};

// The balance and health settings of one pool, as the pool editor shows them.
struct PoolSettings {
    QString balance = QStringLiteral("round_robin");
    QString healthPath;  // empty: no active health checks
    int intervalMs = 2000;
    int timeoutMs = 1000;
    int maxFails = 3;
    int failTimeoutMs = 10000;
    bool operator==(const PoolSettings&) const = default;
};

class StagedConfig : public QObject {
    Q_OBJECT
public:
    explicit StagedConfig(QObject* parent = nullptr);

    // Not owned; must outlive this object or be replaced (null detaches).
    void setBackend(ConfigBackend* backend) { m_backend = backend; }
    ConfigBackend* backend() const { return m_backend; }

    bool isLoaded() const { return m_loaded; }
    bool isBusy() const { return !m_activity.isEmpty(); }
    qint64 appliedVersion() const { return m_version; }
    const QJsonObject& applied() const { return m_applied; }
    const QJsonObject& staged() const { return m_staged; }
    QList<ConfigChange> changes() const { return diffConfigs(m_applied, m_staged); }
    int changeCount() const { return static_cast<int>(changes().size()); }
    bool hasChanges() const { return m_applied != m_staged; }

    // A document the host reports as applied (config.get, config.changed). Staged edits stay
    // staged on top of it; with none, the staged copy follows.
    void setApplied(qint64 version, const QJsonObject& document);
    void setStaged(const QJsonObject& document);
    void discard();

    // Edits of the staged document. Each returns an empty string, or why it was not done.
    QStringList poolNames() const;
    QJsonObject pool(const QString& name) const;
    QString addServer(const QString& pool, const QString& address, int weight);
    QString removeServers(const QString& pool, const QStringList& addresses);
    QString setServerState(const QString& pool, const QStringList& addresses, const QString& state);
    QString setServerWeight(const QString& pool, const QString& address, int weight);
    QString setPoolSettings(const QString& pool, const PoolSettings& settings);
    static PoolSettings poolSettings(const QJsonObject& pool);

    // Host round trips; one at a time (busyChanged), results by signal.
    void reload();
    void validate();
    void apply(const QString& comment = {});
    void rollback(qint64 version);

signals:
    void appliedChanged();
    void stagedChanged();
    void busyChanged(bool busy, const QString& activity);
    void validated(bool valid, const QList<fulcrum::app::ConfigProblem>& problems);
    void applySucceeded(qint64 version, const QStringList& notes);
    // `message` is plain language; `problems` lists every error the host found, if any.
    void operationFailed(const QString& message, const QList<fulcrum::app::ConfigProblem>& problems,
                         bool notAvailable);

private:
    bool begin(const QString& activity);
    void finish();
    void fail(const QString& what, const protocol::Error& error);
    QString editServers(const QString& pool, const std::function<QString(QJsonArray&)>& edit);
    QString editPool(const QString& pool, const std::function<QString(QJsonObject&)>& edit);
    void onApplied(const protocol::ConfigApplyResult& result);

    ConfigBackend* m_backend = nullptr;
    bool m_loaded = false;
    qint64 m_version = 0;
    QJsonObject m_applied;
    QJsonObject m_staged;
    QString m_activity;
};

}  // namespace fulcrum::app
