#pragma once
// The protocol carries documents as nlohmann::json, the models hold them as QJsonObject (what
// Qt's item views and the editors work with). These convert between the two at the boundary.

#include <QJsonObject>
#include <QJsonValue>
#include <nlohmann/json.hpp>

namespace fulcrum::app {

QJsonValue toQt(const nlohmann::json& value);
QJsonObject toQtObject(const nlohmann::json& value);  // non-objects become {}
nlohmann::json toNlohmann(const QJsonValue& value);
nlohmann::json toNlohmann(const QJsonObject& value);

}  // namespace fulcrum::app
