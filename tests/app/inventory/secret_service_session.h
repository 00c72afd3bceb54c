#pragma once
// A real Secret Service for tests: a private dbus-daemon (no service activation, so nothing
// else starts behind the test's back) and GNOME Keyring's daemon on it, unlocked with a
// throwaway password on stdin, its keyrings in a temporary directory. This process is pointed
// at the bus through DBUS_SESSION_BUS_ADDRESS, which libsecret (QtKeychain's backend on
// Debian) reads once, at its first use: start() must run before any keychain call.
// Killing the keyring daemon (stopKeyring) is what a session without a keychain looks like.

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace fulcrum::app::test {

class SecretServiceSession {
public:
    SecretServiceSession();
    ~SecretServiceSession();

    // "" or what is missing (dbus-daemon, gnome-keyring-daemon, secret-tool: resources/deps.sh).
    QString start();
    void stopKeyring();
    bool keyringRunning() const;

    // secret-tool, a client of its own, on the same bus: the stored value or "".
    QString lookup(const QStringList& attributes) const;
    // Every file the bus, the keyring and the test's own files live in.
    QString dir() const { return m_dir.path(); }
    QProcessEnvironment environment() const { return m_env; }

private:
    bool nameOwned(const QString& name) const;

    QTemporaryDir m_dir;
    QProcessEnvironment m_env;
    std::unique_ptr<QProcess> m_bus;
    std::unique_ptr<QProcess> m_keyring;
};

}  // namespace fulcrum::app::test
