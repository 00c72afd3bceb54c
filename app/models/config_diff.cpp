#include "app/models/config_diff.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>

namespace fulcrum::app {
namespace {

// The key that identifies an element of a list, by list name; empty: compare by position.
QString identityKey(const QString& listName) {
    if (listName == QLatin1String("pools") || listName == QLatin1String("listeners") ||
        listName == QLatin1String("workers"))
        return QStringLiteral("name");
    if (listName == QLatin1String("servers")) return QStringLiteral("address");
    if (listName == QLatin1String("routes")) return QStringLiteral("path_prefix");
    if (listName == QLatin1String("certificates")) return QStringLiteral("cert");
    return {};
}

// "pools" + "app" → "Pool “app”"; used to build the readable part of a path.
QString describeElement(const QString& listName, const QString& id) {
    if (listName == QLatin1String("pools")) return QObject::tr("Pool “%1”").arg(id);
    if (listName == QLatin1String("servers")) return QObject::tr("server %1").arg(id);
    if (listName == QLatin1String("listeners")) return QObject::tr("Listener “%1”").arg(id);
    if (listName == QLatin1String("workers")) return QObject::tr("Worker group “%1”").arg(id);
    if (listName == QLatin1String("routes")) return QObject::tr("Route %1").arg(id);
    if (listName == QLatin1String("certificates")) return QObject::tr("certificate %1").arg(id);
    return QStringLiteral("%1 %2").arg(listName, id);
}

struct Walker {
    QList<ConfigChange> changes;

    static QString join(const QStringList& words) { return words.join(QStringLiteral(", ")); }

    void add(ConfigChange::Kind kind, const QString& path, const QStringList& where, const QString& what) {
        const QString prefix = where.isEmpty() ? QString() : join(where) + QStringLiteral(": ");
        changes.append({kind, path, prefix + what});
    }

    // Nested objects such as "health" read as "health.interval_ms 2000 → 3000".
    void object(const QString& path, const QStringList& where, const QString& prefix, const QJsonObject& a,
                const QJsonObject& b) {
        QStringList keys = a.keys();
        for (const auto& k : b.keys()) {
            if (!keys.contains(k)) keys.append(k);
        }
        for (const auto& k : keys) {
            const QString label = prefix.isEmpty() ? k : prefix + QLatin1Char('.') + k;
            // value() appends the key to the machine path itself; pass the parent path.
            valueLabelled(path, where, k, label, a.value(k), b.value(k));
        }
    }

    void valueLabelled(const QString& path, const QStringList& where, const QString& key, const QString& label,
                       const QJsonValue& a, const QJsonValue& b) {
        if (a == b) return;
        const QString childPath = path.isEmpty() ? key : path + QLatin1Char('.') + key;
        if (a.isObject() && b.isObject()) {
            object(childPath, where, label, a.toObject(), b.toObject());
        } else if (a.isArray() && b.isArray() && !identityKey(key).isEmpty()) {
            list(childPath, where, key, a.toArray(), b.toArray());
        } else if (a.isUndefined()) {
            add(ConfigChange::Kind::Added, childPath, where, QObject::tr("%1 set to %2").arg(label, shortValue(b)));
        } else if (b.isUndefined()) {
            add(ConfigChange::Kind::Removed, childPath, where, QObject::tr("%1 removed (was %2)").arg(label, shortValue(a)));
        } else {
            add(ConfigChange::Kind::Changed, childPath, where,
                QObject::tr("%1 %2 → %3").arg(label, shortValue(a), shortValue(b)));
        }
    }

    void list(const QString& path, const QStringList& where, const QString& listName, const QJsonArray& a,
              const QJsonArray& b) {
        const QString idKey = identityKey(listName);
        const auto idOf = [&](const QJsonValue& v, int index) {
            const QString id = v.toObject().value(idKey).toString();
            return id.isEmpty() ? QStringLiteral("#%1").arg(index + 1) : id;
        };
        QStringList beforeIds, afterIds;
        for (int i = 0; i < a.size(); ++i) beforeIds << idOf(a[i], i);
        for (int i = 0; i < b.size(); ++i) afterIds << idOf(b[i], i);
        for (int i = 0; i < a.size(); ++i) {
            if (!afterIds.contains(beforeIds[i])) {
                add(ConfigChange::Kind::Removed, QStringLiteral("%1[%2]").arg(path, beforeIds[i]), where,
                    QObject::tr("remove %1").arg(describeElement(listName, beforeIds[i])));
            }
        }
        for (int i = 0; i < b.size(); ++i) {
            const QString id = afterIds[i];
            const QString elementPath = QStringLiteral("%1[%2]").arg(path, id);
            const int old = beforeIds.indexOf(id);
            if (old < 0) {
                add(ConfigChange::Kind::Added, elementPath, where,
                    QObject::tr("add %1%2").arg(describeElement(listName, id), summary(listName, b[i].toObject())));
                continue;
            }
            QStringList inner = where;
            inner << describeElement(listName, id);
            if (a[old].isObject() && b[i].isObject()) {
                object(elementPath, inner, QString(), a[old].toObject(), b[i].toObject());
            } else if (a[old] != b[i]) {
                add(ConfigChange::Kind::Changed, elementPath, where,
                    QObject::tr("%1 %2 → %3").arg(describeElement(listName, id), shortValue(a[old]), shortValue(b[i])));
            }
        }
        // Same elements in another order matter for routes (first match wins).
        QStringList common;
        for (const auto& id : afterIds) {
            if (beforeIds.contains(id)) common << id;
        }
        QStringList commonBefore;
        for (const auto& id : beforeIds) {
            if (afterIds.contains(id)) commonBefore << id;
        }
        if (common != commonBefore) {
            add(ConfigChange::Kind::Changed, path, where, QObject::tr("%1 reordered: %2").arg(listName, common.join(QStringLiteral(", "))));
        }
    }

    static QString summary(const QString& listName, const QJsonObject& o) {
        if (listName == QLatin1String("servers")) {
            return QObject::tr(" (weight %1, %2)")
                .arg(o.value(QStringLiteral("weight")).toInt(1))
                .arg(o.value(QStringLiteral("state")).toString(QStringLiteral("active")));
        }
        return {};
    }
};

}  // namespace

QString shortValue(const QJsonValue& value) {
    switch (value.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Undefined: return QObject::tr("(unset)");
    case QJsonValue::Bool: return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: {
        const qint64 i = value.toInteger(INT64_MIN);
        return i != INT64_MIN ? QString::number(i) : QString::number(value.toDouble());
    }
    case QJsonValue::String: return QStringLiteral("“%1”").arg(value.toString().left(80));
    case QJsonValue::Array: {
        const QByteArray text = QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
        return text.size() <= 60 ? QString::fromUtf8(text) : QObject::tr("[%1 items]").arg(value.toArray().size());
    }
    case QJsonValue::Object: {
        const QByteArray text = QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
        return text.size() <= 60 ? QString::fromUtf8(text) : QObject::tr("{%1 keys}").arg(value.toObject().size());
    }
    }
    return {};
}

QList<ConfigChange> diffConfigs(const QJsonObject& before, const QJsonObject& after) {
    Walker walker;
    walker.object(QString(), {}, QString(), before, after);
    return walker.changes;
}

}  // namespace fulcrum::app
