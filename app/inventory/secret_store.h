#pragma once
// Remembered passwords, in the system keychain only (Secret Service, KWallet, macOS Keychain)
// through QtKeychain, keyed by the host's inventory id. Never in a file: QtKeychain's
// "insecure fallback" (a plain settings file) is explicitly off, so without a keychain
// remembering fails with a message instead of quietly writing the secret to disk.

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace fulcrum::app {

class SecretStore {
public:
    static constexpr const char* kService = "org.fulcrumpanel.fulcrum";

    // done("") on success, done(reason) on failure; runs on the caller's thread, later.
    static void storePassword(const QString& hostId, const QString& password, QObject* context,
                              std::function<void(const QString& error)> done);
    // done(password) or done(nullopt, reason) when there is none or the keychain is unavailable.
    static void readPassword(const QString& hostId, QObject* context,
                             std::function<void(std::optional<QString> password, const QString& error)> done);
    static void forgetPassword(const QString& hostId, QObject* context, std::function<void(const QString& error)> done);
};

}  // namespace fulcrum::app
