#pragma once
// The panel's hosts, persisted as JSON in QStandardPaths::AppConfigLocation/hosts.json with a
// schema version. Older versions are migrated on load (and written back in the new format on
// the next save); a newer version is refused rather than silently downgraded. Writes are
// atomic (QSaveFile) and private (0600). No secret is ever written: the format has no field
// for one.

#include "app/inventory/host_entry.h"

#include <QList>
#include <QString>

#include <optional>
#include <variant>

namespace fulcrum::app {

class Inventory {
public:
    // 1: {"version":1,"hosts":[{"name","host","user","port","key"}]} (Fulcrum 0.0 previews)
    // 2: ids, auth method, proxy jump, remembered-password flag, "This computer" entry.
    static constexpr int kSchemaVersion = 2;
    static constexpr qsizetype kMaxFileBytes = 4 * 1024 * 1024;
    static constexpr int kMaxHosts = 10000;

    // AppConfigLocation/hosts.json.
    static QString defaultPath();

    // A missing file is a fresh inventory holding only "This computer". Anything unreadable is
    // an error naming the file and the problem; the file is left untouched.
    static std::variant<Inventory, QString> load(const QString& path);
    static std::variant<Inventory, QString> parse(const QByteArray& json, const QString& pathForMessages);
    // Atomic write; "" or the reason it failed.
    QString save() const;
    QString saveAs(const QString& path) const;
    QByteArray toJson() const;

    const QString& path() const { return m_path; }
    const QList<HostEntry>& hosts() const { return m_hosts; }
    // By name (case-sensitive) or id.
    const HostEntry* find(const QString& nameOrId) const;
    // Did load() migrate from an older schema (so the UI can say so)?
    int loadedFromVersion() const { return m_loadedFrom; }

    // "" or why not (duplicate name, empty address, ...). add() fills in an id.
    QString add(HostEntry entry);
    QString update(const HostEntry& entry);  // matched by id
    bool remove(const QString& nameOrId);

    // Hosts from ~/.ssh/config not yet in the inventory (matched by name and by address).
    QList<HostEntry> importableFrom(const SshConfig& config, const QString& homeDir = QString()) const;

    static HostEntry thisComputer();

private:
    QString validate(const HostEntry& entry, const QString& ignoreId) const;

    QString m_path;
    QList<HostEntry> m_hosts;
    int m_loadedFrom = kSchemaVersion;
};

}  // namespace fulcrum::app
