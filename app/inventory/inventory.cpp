#include "app/inventory/inventory.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>
#include <QUuid>

namespace fulcrum::app {
namespace {

constexpr qsizetype kMaxFieldChars = 1024;

QString newId() { return QUuid::createUuid().toString(QUuid::WithoutBraces); }

// Reads a string field; absent is "", any other type is an error.
bool readString(const QJsonObject& o, const char* key, QString& out, QString& error, const QString& where) {
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull()) return true;
    if (!v.isString() || v.toString().size() > kMaxFieldChars) {
        error = QStringLiteral("%1.%2 must be a string of at most %3 characters").arg(where, QLatin1String(key)).arg(kMaxFieldChars);
        return false;
    }
    out = v.toString();
    return true;
}

bool readPort(const QJsonObject& o, const char* key, quint16& out, QString& error, const QString& where) {
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull()) return true;
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d < 0 || d > 65535 || d != double(int(d))) {
        error = QStringLiteral("%1.%2 must be a port number (0-65535)").arg(where, QLatin1String(key));
        return false;
    }
    out = quint16(d);
    return true;
}

bool readBool(const QJsonObject& o, const char* key, bool& out, QString& error, const QString& where) {
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull()) return true;
    if (!v.isBool()) {
        error = QStringLiteral("%1.%2 must be true or false").arg(where, QLatin1String(key));
        return false;
    }
    out = v.toBool();
    return true;
}

// Version 1 → 2: "host" became "address", "key" became "identity_file" (auth "key"), ids and
// "This computer" were added.
QJsonObject migrateV1(const QJsonObject& v1) {
    QJsonArray hosts;
    for (const QJsonValue& value : v1.value(QStringLiteral("hosts")).toArray()) {
        QJsonObject old = value.toObject();
        QJsonObject host;
        host.insert(QStringLiteral("name"), old.value(QStringLiteral("name")));
        host.insert(QStringLiteral("address"), old.value(QStringLiteral("host")));
        if (old.contains(QStringLiteral("user"))) host.insert(QStringLiteral("user"), old.value(QStringLiteral("user")));
        if (old.contains(QStringLiteral("port"))) host.insert(QStringLiteral("port"), old.value(QStringLiteral("port")));
        if (old.value(QStringLiteral("key")).isString() && !old.value(QStringLiteral("key")).toString().isEmpty()) {
            host.insert(QStringLiteral("identity_file"), old.value(QStringLiteral("key")));
            host.insert(QStringLiteral("auth"), QStringLiteral("key"));
        }
        hosts.append(host);
    }
    return QJsonObject{{QStringLiteral("version"), 2}, {QStringLiteral("hosts"), hosts}};
}

}  // namespace

QString Inventory::defaultPath() {
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + QStringLiteral("/hosts.json");
}

HostEntry Inventory::thisComputer() {
    HostEntry e;
    e.id = QStringLiteral("local");
    e.name = QStringLiteral("local");
    e.address = QStringLiteral("This computer");
    e.local = true;
    return e;
}

std::variant<Inventory, QString> Inventory::load(const QString& path) {
    QFile file(path);
    if (!file.exists()) {
        Inventory fresh;
        fresh.m_path = path;
        fresh.m_hosts << thisComputer();
        return fresh;
    }
    if (!file.open(QIODevice::ReadOnly)) return QStringLiteral("Cannot read %1: %2").arg(path, file.errorString());
    if (file.size() > kMaxFileBytes) return QStringLiteral("%1 is larger than %2 MB; it is not a Fulcrum host list.").arg(path).arg(kMaxFileBytes >> 20);
    return parse(file.read(kMaxFileBytes), path);
}

std::variant<Inventory, QString> Inventory::parse(const QByteArray& json, const QString& path) {
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return QStringLiteral("%1 is damaged (%2 at byte %3). Fix or remove it; Fulcrum did not change it.")
            .arg(path, parseError.errorString())
            .arg(parseError.offset);
    }
    if (!document.isObject()) return QStringLiteral("%1 is not a Fulcrum host list (no JSON object).").arg(path);
    QJsonObject root = document.object();
    const QJsonValue versionValue = root.value(QStringLiteral("version"));
    if (!versionValue.isDouble()) return QStringLiteral("%1 has no schema version.").arg(path);
    const int version = versionValue.toInt(-1);
    if (version < 1) return QStringLiteral("%1 has an invalid schema version.").arg(path);
    if (version > kSchemaVersion) {
        return QStringLiteral("%1 was written by a newer Fulcrum (host list version %2; this one reads up to %3). "
                              "Update Fulcrum; the file was left as it is.")
            .arg(path)
            .arg(version)
            .arg(kSchemaVersion);
    }
    Inventory inventory;
    inventory.m_path = path;
    inventory.m_loadedFrom = version;
    if (version == 1) root = migrateV1(root);

    const QJsonValue hostsValue = root.value(QStringLiteral("hosts"));
    if (!hostsValue.isArray()) return QStringLiteral("%1: \"hosts\" must be a list.").arg(path);
    const QJsonArray hosts = hostsValue.toArray();
    if (hosts.size() > kMaxHosts) return QStringLiteral("%1 lists more than %2 hosts.").arg(path).arg(kMaxHosts);
    bool sawLocal = false;
    for (qsizetype i = 0; i < hosts.size(); ++i) {
        const QString where = QStringLiteral("hosts[%1]").arg(i);
        if (!hosts[i].isObject()) return QStringLiteral("%1: %2 must be an object.").arg(path, where);
        const QJsonObject o = hosts[i].toObject();
        HostEntry e;
        QString error, auth;
        if (!readString(o, "id", e.id, error, where) || !readString(o, "name", e.name, error, where) ||
            !readString(o, "address", e.address, error, where) || !readString(o, "user", e.user, error, where) ||
            !readPort(o, "port", e.port, error, where) || !readString(o, "auth", auth, error, where) ||
            !readString(o, "identity_file", e.identityFile, error, where) ||
            !readString(o, "proxy_jump", e.proxyJump, error, where) ||
            !readBool(o, "remember_password", e.rememberPassword, error, where) || !readBool(o, "local", e.local, error, where)) {
            return QStringLiteral("%1: %2").arg(path, error);
        }
        if (!auth.isEmpty()) {
            const auto method = authMethodFromName(auth);
            if (!method) return QStringLiteral("%1: %2.auth \"%3\" is not a login method Fulcrum knows.").arg(path, where, auth.left(40));
            e.auth = *method;
        }
        if (e.local) {
            if (sawLocal) continue;  // one "This computer" is enough
            sawLocal = true;
            HostEntry local = thisComputer();
            if (!e.name.isEmpty()) local.name = e.name;
            e = local;
        }
        if (e.id.isEmpty()) e.id = newId();
        if (const QString problem = inventory.validate(e, QString()); !problem.isEmpty()) {
            return QStringLiteral("%1: %2: %3").arg(path, where, problem);
        }
        inventory.m_hosts << e;
    }
    if (!sawLocal) inventory.m_hosts.prepend(thisComputer());
    return inventory;
}

QByteArray Inventory::toJson() const {
    QJsonArray hosts;
    for (const HostEntry& e : m_hosts) {
        QJsonObject o{{QStringLiteral("id"), e.id}, {QStringLiteral("name"), e.name}};
        if (e.local) {
            o.insert(QStringLiteral("local"), true);
        } else {
            o.insert(QStringLiteral("address"), e.address);
            if (!e.user.isEmpty()) o.insert(QStringLiteral("user"), e.user);
            if (e.port != 0) o.insert(QStringLiteral("port"), int(e.port));
            o.insert(QStringLiteral("auth"), authMethodName(e.auth));
            if (!e.identityFile.isEmpty()) o.insert(QStringLiteral("identity_file"), e.identityFile);
            if (!e.proxyJump.isEmpty()) o.insert(QStringLiteral("proxy_jump"), e.proxyJump);
            if (e.rememberPassword) o.insert(QStringLiteral("remember_password"), true);
        }
        hosts.append(o);
    }
    return QJsonDocument(QJsonObject{{QStringLiteral("version"), kSchemaVersion}, {QStringLiteral("hosts"), hosts}})
        .toJson(QJsonDocument::Indented);
}

QString Inventory::save() const { return saveAs(m_path); }

QString Inventory::saveAs(const QString& path) const {
    if (path.isEmpty()) return QStringLiteral("The host list has no file name.");
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) return QStringLiteral("Cannot create the folder of %1.").arg(path);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return QStringLiteral("Cannot write %1: %2").arg(path, file.errorString());
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(toJson());
    if (!file.commit()) return QStringLiteral("Cannot write %1: %2").arg(path, file.errorString());
    return {};
}

const HostEntry* Inventory::find(const QString& nameOrId) const {
    for (const HostEntry& e : m_hosts) {
        if (e.name == nameOrId) return &e;
    }
    for (const HostEntry& e : m_hosts) {
        if (e.id == nameOrId) return &e;
    }
    return nullptr;
}

QString Inventory::validate(const HostEntry& e, const QString& ignoreId) const {
    static const QRegularExpression nameRe(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,99}$"));
    if (!nameRe.match(e.name).hasMatch()) {
        return QStringLiteral("the name \"%1\" must start with a letter or digit and use only letters, digits and . _ - @ : "
                              "(at most 100)")
            .arg(e.name.left(100));
    }
    if (!e.local && e.name == QStringLiteral("local")) return QStringLiteral("the name \"local\" means This computer");
    // This computer is always added under the id "local"; a remote host claiming it would
    // collide with it the next time the file is read.
    if (!e.local && e.id == QStringLiteral("local")) return QStringLiteral("the id \"local\" is reserved for This computer");
    if (!e.local && e.address.trimmed().isEmpty()) return QStringLiteral("%1 has no address").arg(e.name);
    if (e.address.contains(QLatin1Char(' ')) && !e.local) return QStringLiteral("the address \"%1\" contains a space").arg(e.address);
    if (m_hosts.size() >= kMaxHosts && ignoreId.isEmpty()) return QStringLiteral("too many hosts");
    for (const HostEntry& other : m_hosts) {
        if (other.id == ignoreId) continue;
        if (other.name == e.name) return QStringLiteral("there is already a host called \"%1\"").arg(e.name);
        if (!e.id.isEmpty() && other.id == e.id) return QStringLiteral("duplicate host id %1").arg(e.id);
    }
    return {};
}

QString Inventory::add(HostEntry entry) {
    if (entry.local) return QStringLiteral("This computer is always in the list.");
    if (entry.id.isEmpty()) entry.id = newId();
    if (const QString problem = validate(entry, QString()); !problem.isEmpty()) return problem;
    m_hosts << entry;
    return {};
}

QString Inventory::update(const HostEntry& entry) {
    for (HostEntry& e : m_hosts) {
        if (e.id != entry.id) continue;
        if (e.local != entry.local) return QStringLiteral("This computer cannot become a remote host.");
        if (const QString problem = validate(entry, entry.id); !problem.isEmpty()) return problem;
        e = entry;
        return {};
    }
    return QStringLiteral("No host with id %1.").arg(entry.id);
}

bool Inventory::remove(const QString& nameOrId) {
    const HostEntry* e = find(nameOrId);
    if (!e || e->local) return false;
    const QString id = e->id;
    return m_hosts.removeIf([&](const HostEntry& h) { return h.id == id; }) > 0;
}

QList<HostEntry> Inventory::importableFrom(const SshConfig& config, const QString& homeDir) const {
    QList<HostEntry> result;
    for (const ImportableSshHost& host : config.importableHosts(homeDir)) {
        const bool known = std::any_of(m_hosts.cbegin(), m_hosts.cend(), [&](const HostEntry& e) {
            return e.name == host.alias || e.address == host.alias;
        });
        if (known) continue;
        HostEntry e;
        e.name = host.alias;
        // The alias stays the address, so later edits of ~/.ssh/config keep applying.
        e.address = host.alias;
        if (!host.settings.identityFiles.isEmpty() && host.settings.identitiesOnly.value_or(false)) e.auth = AuthMethod::KeyFile;
        if (validate(e, QString()).isEmpty()) result << e;
    }
    return result;
}

}  // namespace fulcrum::app
