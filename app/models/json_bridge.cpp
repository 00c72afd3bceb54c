#include "app/models/json_bridge.h"

#include <QJsonArray>

namespace fulcrum::app {

// Walked element by element rather than through text so that no parse step can fail; the
// documents come from the agent, which already bounds their size and nesting depth.
QJsonValue toQt(const nlohmann::json& value) {
    switch (value.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded: return QJsonValue(QJsonValue::Null);
    case nlohmann::json::value_t::boolean: return QJsonValue(value.get<bool>());
    case nlohmann::json::value_t::number_integer: return QJsonValue(qint64(value.get<std::int64_t>()));
    case nlohmann::json::value_t::number_unsigned: {
        const auto u = value.get<std::uint64_t>();
        return u <= std::uint64_t(INT64_MAX) ? QJsonValue(qint64(u)) : QJsonValue(double(u));
    }
    case nlohmann::json::value_t::number_float: return QJsonValue(value.get<double>());
    case nlohmann::json::value_t::string: return QJsonValue(QString::fromStdString(value.get<std::string>()));
    case nlohmann::json::value_t::array: {
        QJsonArray array;
        for (const auto& element : value) array.append(toQt(element));
        return array;
    }
    case nlohmann::json::value_t::object: {
        QJsonObject object;
        for (auto it = value.begin(); it != value.end(); ++it) object.insert(QString::fromStdString(it.key()), toQt(it.value()));
        return object;
    }
    case nlohmann::json::value_t::binary: return QJsonValue(QJsonValue::Null);
    }
    return QJsonValue(QJsonValue::Null);
}

QJsonObject toQtObject(const nlohmann::json& value) {
    return value.is_object() ? toQt(value).toObject() : QJsonObject();
}

nlohmann::json toNlohmann(const QJsonValue& value) {
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined: return nullptr;
    case QJsonValue::Bool: return value.toBool();
    case QJsonValue::Double: {
        // QJsonValue keeps integers as doubles; the contract's fields (ports, weights, _ms
        // durations) are integers and the validator rejects 3.0 where it expects 3.
        const double d = value.toDouble();
        const qint64 i = value.toInteger(INT64_MIN);
        if (i != INT64_MIN && double(i) == d) return std::int64_t(i);
        return d;
    }
    case QJsonValue::String: return value.toString().toStdString();
    case QJsonValue::Array: {
        auto array = nlohmann::json::array();
        for (const auto& element : value.toArray()) array.push_back(toNlohmann(element));
        return array;
    }
    case QJsonValue::Object: return toNlohmann(value.toObject());
    }
    return nullptr;
}

nlohmann::json toNlohmann(const QJsonObject& value) {
    auto object = nlohmann::json::object();
    for (auto it = value.begin(); it != value.end(); ++it) object[it.key().toStdString()] = toNlohmann(it.value());
    return object;
}

}  // namespace fulcrum::app
