#include "app/models/staged_config.h"

#include "app/models/format.h"
#include "app/models/json_bridge.h"

#include <QPointer>
#include <QRegularExpression>

namespace fulcrum::app {
namespace {

const QString kPools = QStringLiteral("pools");
const QString kServers = QStringLiteral("servers");
const QString kAddress = QStringLiteral("address");

QList<ConfigProblem> problemsOf(const protocol::Error& error) {
    QList<ConfigProblem> problems;
    if (!error.data.is_object()) return problems;
    const auto it = error.data.find("errors");
    if (it == error.data.end() || !it->is_array()) return problems;
    for (const auto& e : *it) {
        try {
            const auto v = e.get<protocol::ValidationError>();
            problems.append({QString::fromStdString(v.path), v.line, v.column, QString::fromStdString(v.message)});
        } catch (const std::exception&) {
            // A malformed entry from the host is skipped; the error's message still shows.
        }
    }
    return problems;
}

}  // namespace

StagedConfig::StagedConfig(QObject* parent) : QObject(parent) {}

void StagedConfig::setApplied(qint64 version, const QJsonObject& document) {
    const bool following = !hasChanges();
    m_loaded = true;
    m_version = version;
    m_applied = document;
    emit appliedChanged();
    if (following) m_staged = document;
    emit stagedChanged();
}

void StagedConfig::setStaged(const QJsonObject& document) {
    if (document == m_staged) return;
    m_staged = document;
    emit stagedChanged();
}

void StagedConfig::discard() { setStaged(m_applied); }

QStringList StagedConfig::poolNames() const {
    QStringList names;
    for (const auto& p : m_staged.value(kPools).toArray()) names << p.toObject().value(QStringLiteral("name")).toString();
    return names;
}

QJsonObject StagedConfig::pool(const QString& name) const {
    for (const auto& p : m_staged.value(kPools).toArray()) {
        if (p.toObject().value(QStringLiteral("name")).toString() == name) return p.toObject();
    }
    return {};
}

QString StagedConfig::editPool(const QString& name, const std::function<QString(QJsonObject&)>& edit) {
    QJsonArray pools = m_staged.value(kPools).toArray();
    for (int i = 0; i < pools.size(); ++i) {
        QJsonObject p = pools[i].toObject();
        if (p.value(QStringLiteral("name")).toString() != name) continue;
        if (QString error = edit(p); !error.isEmpty()) return error;
        pools[i] = p;
        QJsonObject doc = m_staged;
        doc.insert(kPools, pools);
        setStaged(doc);
        return {};
    }
    return tr("There is no pool named “%1” in this host's configuration.").arg(name);
}

QString StagedConfig::editServers(const QString& poolName, const std::function<QString(QJsonArray&)>& edit) {
    return editPool(poolName, [&](QJsonObject& p) {
        QJsonArray servers = p.value(kServers).toArray();
        if (QString error = edit(servers); !error.isEmpty()) return error;
        p.insert(kServers, servers);
        return QString();
    });
}

QString StagedConfig::addServer(const QString& poolName, const QString& address, int weight) {
    // The shape only; the host validates for real (resolvable name, port range, duplicates
    // with servers that follow a worker group).
    static const QRegularExpression shape(QStringLiteral(R"(^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$)"));
    const auto match = shape.match(address);
    if (!match.hasMatch() || match.captured(2).toInt() < 1 || match.captured(2).toInt() > 65535)
        return tr("“%1” is not host:port, for example 127.0.0.1:8000.").arg(address);
    if (weight < 0 || weight > 1000) return tr("The weight must be between 0 and 1000.");
    return editServers(poolName, [&](QJsonArray& servers) {
        for (const auto& s : servers) {
            if (s.toObject().value(kAddress).toString() == address)
                return tr("%1 is already a server of pool “%2”.").arg(address, poolName);
        }
        servers.append(QJsonObject{{kAddress, address},
                                   {QStringLiteral("weight"), weight},
                                   {QStringLiteral("state"), QStringLiteral("active")},
                                   {QStringLiteral("backup"), false}});
        return QString();
    });
}

QString StagedConfig::removeServers(const QString& poolName, const QStringList& addresses) {
    return editServers(poolName, [&](QJsonArray& servers) {
        for (int i = int(servers.size()) - 1; i >= 0; --i) {
            if (addresses.contains(servers[i].toObject().value(kAddress).toString())) servers.removeAt(i);
        }
        return QString();
    });
}

QString StagedConfig::setServerState(const QString& poolName, const QStringList& addresses, const QString& state) {
    if (state != QLatin1String("active") && state != QLatin1String("draining") && state != QLatin1String("disabled"))
        return tr("A server is active, draining or disabled, not “%1”.").arg(state);
    return editServers(poolName, [&](QJsonArray& servers) {
        for (int i = 0; i < servers.size(); ++i) {
            QJsonObject s = servers[i].toObject();
            if (!addresses.contains(s.value(kAddress).toString())) continue;
            s.insert(QStringLiteral("state"), state);
            servers[i] = s;
        }
        return QString();
    });
}

QString StagedConfig::setServerWeight(const QString& poolName, const QString& address, int weight) {
    if (weight < 0 || weight > 1000) return tr("The weight must be between 0 and 1000.");
    return editServers(poolName, [&](QJsonArray& servers) {
        for (int i = 0; i < servers.size(); ++i) {
            QJsonObject s = servers[i].toObject();
            if (s.value(kAddress).toString() != address) continue;
            s.insert(QStringLiteral("weight"), weight);
            servers[i] = s;
            return QString();
        }
        return tr("%1 is not a server of pool “%2”.").arg(address, poolName);
    });
}

PoolSettings StagedConfig::poolSettings(const QJsonObject& p) {
    PoolSettings s;
    s.balance = p.value(QStringLiteral("balance")).toString(s.balance);
    const QJsonObject health = p.value(QStringLiteral("health")).toObject();
    s.healthPath = health.value(QStringLiteral("path")).toString();
    s.intervalMs = health.value(QStringLiteral("interval_ms")).toInt(s.intervalMs);
    s.timeoutMs = health.value(QStringLiteral("timeout_ms")).toInt(s.timeoutMs);
    s.maxFails = p.value(QStringLiteral("max_fails")).toInt(s.maxFails);
    s.failTimeoutMs = p.value(QStringLiteral("fail_timeout_ms")).toInt(s.failTimeoutMs);
    return s;
}

QString StagedConfig::setPoolSettings(const QString& poolName, const PoolSettings& s) {
    if (!s.healthPath.isEmpty() && !s.healthPath.startsWith(QLatin1Char('/')))
        return tr("The health check path starts with “/”, for example /healthz.");
    return editPool(poolName, [&](QJsonObject& p) {
        // Only what differs is written, so an untouched pool stays byte-for-byte the same and
        // defaults the user never chose do not appear in the document.
        const PoolSettings old = poolSettings(p);
        if (s.balance != old.balance) p.insert(QStringLiteral("balance"), s.balance);
        if (s.maxFails != old.maxFails) p.insert(QStringLiteral("max_fails"), s.maxFails);
        if (s.failTimeoutMs != old.failTimeoutMs) p.insert(QStringLiteral("fail_timeout_ms"), s.failTimeoutMs);
        if (s.healthPath.isEmpty()) {
            p.remove(QStringLiteral("health"));
        } else if (s.healthPath != old.healthPath || s.intervalMs != old.intervalMs || s.timeoutMs != old.timeoutMs) {
            QJsonObject health = p.value(QStringLiteral("health")).toObject();
            health.insert(QStringLiteral("path"), s.healthPath);
            health.insert(QStringLiteral("interval_ms"), s.intervalMs);
            health.insert(QStringLiteral("timeout_ms"), s.timeoutMs);
            p.insert(QStringLiteral("health"), health);
        }
        return QString();
    });
}

bool StagedConfig::begin(const QString& activity) {
    if (!m_backend) {
        emit operationFailed(tr("%1 is not possible: this host is not connected.").arg(activity), {}, false);
        return false;
    }
    if (isBusy()) {
        emit operationFailed(tr("%1 has to wait: %2 is still running.").arg(activity, m_activity.toLower()), {}, false);
        return false;
    }
    m_activity = activity;
    emit busyChanged(true, activity);
    return true;
}

void StagedConfig::finish() {
    m_activity.clear();
    emit busyChanged(false, {});
}

void StagedConfig::fail(const QString& what, const protocol::Error& error) {
    finish();
    emit operationFailed(plainError(what, error), problemsOf(error), isNotAvailable(error));
}

void StagedConfig::reload() {
    const QString what = tr("Loading the configuration");
    if (!begin(what)) return;
    QPointer<StagedConfig> self(this);
    m_backend->getConfig({}, [self, what](protocol::Outcome<protocol::ConfigGetResult> result) {
        if (!self) return;
        if (!result) return self->fail(what, result.error());
        self->finish();
        self->setApplied(result.value().version, toQtObject(result.value().document));
    });
}

void StagedConfig::validate() {
    const QString what = tr("Checking the configuration");
    if (!begin(what)) return;
    QPointer<StagedConfig> self(this);
    protocol::ConfigValidateParams params;
    params.config.document = toNlohmann(m_staged);
    m_backend->validateConfig(params, [self, what](protocol::Outcome<protocol::ConfigValidateResult> result) {
        if (!self) return;
        if (!result) return self->fail(what, result.error());
        self->finish();
        QList<ConfigProblem> problems;
        for (const auto& e : result.value().errors) {
            problems.append({QString::fromStdString(e.path), e.line, e.column, QString::fromStdString(e.message)});
        }
        emit self->validated(result.value().valid && problems.isEmpty(), problems);
    });
}

void StagedConfig::onApplied(const protocol::ConfigApplyResult& result) {
    finish();
    QStringList notes;
    for (const auto& n : result.notes) notes << QString::fromStdString(n);
    // The host stored exactly the document sent: the staged copy becomes the applied one.
    m_version = result.version;
    m_applied = m_staged;
    emit appliedChanged();
    emit stagedChanged();
    emit applySucceeded(result.version, notes);
}

void StagedConfig::apply(const QString& comment) {
    const QString what = tr("Applying the configuration");
    if (!begin(what)) return;
    QPointer<StagedConfig> self(this);
    protocol::ConfigApplyParams params;
    params.config.document = toNlohmann(m_staged);
    if (m_loaded) params.expected_version = m_version;
    QStringList lines;
    for (const auto& c : changes()) lines << c.description;
    params.comment = (comment.isEmpty() ? lines.join(QStringLiteral("; ")).left(500) : comment).toStdString();
    m_backend->applyConfig(params, [self, what](protocol::Outcome<protocol::ConfigApplyResult> result) {
        if (!self) return;
        if (!result) return self->fail(what, result.error());
        self->onApplied(result.value());
    });
}

void StagedConfig::rollback(qint64 version) {
    const QString what = tr("Rolling back to version %1").arg(version);
    if (!begin(what)) return;
    QPointer<StagedConfig> self(this);
    protocol::ConfigRollbackParams params;
    params.version = version;
    if (m_loaded) params.expected_version = m_version;
    m_backend->rollbackConfig(params, [self, what](protocol::Outcome<protocol::ConfigApplyResult> result) {
        if (!self) return;
        if (!result) return self->fail(what, result.error());
        self->finish();
        QStringList notes;
        for (const auto& n : result.value().notes) notes << QString::fromStdString(n);
        // The rolled-back document is the old version's; fetch it to show it.
        self->m_staged = self->m_applied;  // edits made before a rollback are dropped with it
        emit self->applySucceeded(result.value().version, notes);
        self->reload();
    });
}

}  // namespace fulcrum::app
