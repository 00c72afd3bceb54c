#pragma once
// The panel's own preferences (window geometry, appearance, last page...), as a typed table
// with defaults in one place, KeePassXC-style: callers name a Key, never a string, so a typo
// is a compile error and every default is visible here. Hosts are not stored here: the
// inventory belongs to the app core.

#include <QObject>
#include <QVariant>
#include <memory>

class QSettings;

namespace fulcrum::ui {

class Settings : public QObject {
    Q_OBJECT
public:
    enum class Key {
        MainWindowGeometry,
        MainWindowState,
        MainSplitterState,
        LastHost,
        LastSection,
        Appearance,        // "system", "light" or "dark"
        TrafficRange,      // seconds shown by the traffic charts
        LogFollow,
        RebootCommand,
        RebootRollingMode,
        RebootStabilitySeconds,
        CertificateWarnDays,
    };
    Q_ENUM(Key)

    ~Settings() override;
    static Settings* instance();
    // Tests and screenshots point the settings at a throwaway file so they never touch the
    // user's own preferences.
    static void useFile(const QString& path);

    QVariant get(Key key) const;
    void set(Key key, const QVariant& value);
    void reset(Key key);
    static QVariant defaultValue(Key key);
    static QString name(Key key);

signals:
    void changed(fulcrum::ui::Settings::Key key);

private:
    explicit Settings(std::unique_ptr<QSettings> backend);
    std::unique_ptr<QSettings> m_backend;
};

inline Settings* settings() { return Settings::instance(); }

}  // namespace fulcrum::ui
