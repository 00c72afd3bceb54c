#include "ui/Settings.h"

#include <QCoreApplication>
#include <QHash>
#include <QSettings>

namespace fulcrum::ui {
namespace {

struct Entry {
    const char* name;
    QVariant defaultValue;
};

const QHash<Settings::Key, Entry>& table() {
    using K = Settings::Key;
    static const QHash<K, Entry> entries{
        {K::MainWindowGeometry, {"GUI/MainWindowGeometry", QByteArray()}},
        {K::MainWindowState, {"GUI/MainWindowState", QByteArray()}},
        {K::MainSplitterState, {"GUI/MainSplitterState", QByteArray()}},
        {K::LastHost, {"GUI/LastHost", QString()}},
        {K::LastSection, {"GUI/LastSection", 0}},
        {K::Appearance, {"GUI/Appearance", QStringLiteral("system")}},
        {K::TrafficRange, {"GUI/TrafficRangeSeconds", 60}},
        {K::LogFollow, {"GUI/LogFollow", true}},
        {K::RebootCommand, {"Reboot/Command", QStringLiteral("sudo -n systemctl reboot")}},
        {K::RebootRollingMode, {"Reboot/RollingMode", true}},
        {K::RebootStabilitySeconds, {"Reboot/StabilitySeconds", 30}},
        {K::CertificateWarnDays, {"Certificates/WarnDays", 21}},
    };
    return entries;
}

std::unique_ptr<Settings>& storage() {
    static std::unique_ptr<Settings> s;
    return s;
}

}  // namespace

Settings::Settings(std::unique_ptr<QSettings> backend) : m_backend(std::move(backend)) {}

Settings::~Settings() = default;

Settings* Settings::instance() {
    auto& s = storage();
    if (!s) {
        s.reset(new Settings(std::make_unique<QSettings>()));
    }
    return s.get();
}

void Settings::useFile(const QString& path) {
    storage().reset(new Settings(std::make_unique<QSettings>(path, QSettings::IniFormat)));
}

QVariant Settings::defaultValue(Key key) { return table().value(key).defaultValue; }

QString Settings::name(Key key) { return QString::fromLatin1(table().value(key).name); }

QVariant Settings::get(Key key) const {
    const auto& entry = table()[key];
    QVariant value = m_backend->value(QString::fromLatin1(entry.name), entry.defaultValue);
    // A hand-edited file may hold anything; a value of the wrong type falls back to the
    // default instead of reaching widgets that cannot use it.
    if (entry.defaultValue.isValid() && !value.canConvert(entry.defaultValue.metaType())) {
        return entry.defaultValue;
    }
    if (entry.defaultValue.isValid()) {
        value.convert(entry.defaultValue.metaType());
    }
    return value;
}

void Settings::set(Key key, const QVariant& value) {
    const auto& entry = table()[key];
    if (m_backend->value(QString::fromLatin1(entry.name)) == value) {
        return;
    }
    if (value == entry.defaultValue) {
        m_backend->remove(QString::fromLatin1(entry.name));
    } else {
        m_backend->setValue(QString::fromLatin1(entry.name), value);
    }
    emit changed(key);
}

void Settings::reset(Key key) { set(key, defaultValue(key)); }

}  // namespace fulcrum::ui
