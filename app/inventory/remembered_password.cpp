#include "app/inventory/remembered_password.h"

#include "app/inventory/secret_store.h"

namespace fulcrum::app {

void RememberedPassword::load(const HostEntry& entry, std::shared_ptr<PresetPasswordPrompter> prompter,
                              QObject* context, Done done) {
    if (!entry.rememberPassword || entry.local) return done({});
    SecretStore::readPassword(entry.id, context,
                              [name = entry.name, prompter, done](std::optional<QString> password, const QString& error) {
                                  if (password) {
                                      prompter->setPreset(*password);
                                      return done({});
                                  }
                                  if (error.isEmpty()) return done({});  // nothing remembered yet
                                  done(QStringLiteral("The remembered password of %1 could not be read, so it is asked "
                                                      "instead. %2. Remembering works again once a keychain (GNOME "
                                                      "Keyring, KWallet) runs in your desktop session.")
                                           .arg(name, error));
                              });
}

void RememberedPassword::storeTyped(const HostEntry& entry, PresetPasswordPrompter& prompter, QObject* context, Done done) {
    const QString typed = prompter.takeTypedPassword();
    if (!entry.rememberPassword || entry.local || typed.isEmpty()) return done({});
    SecretStore::storePassword(entry.id, typed, context, [name = entry.name, done](const QString& error) {
        if (error.isEmpty()) return done({});
        done(QStringLiteral("The password of %1 was not remembered, so it will be asked again next time. %2.")
                 .arg(name, error));
    });
}

void RememberedPassword::forget(const HostEntry& entry, QObject* context, Done done) {
    SecretStore::forgetPassword(entry.id, context, [name = entry.name, done](const QString& error) {
        if (error.isEmpty()) return done({});
        done(QStringLiteral("The remembered password of %1 could not be removed from the system keychain. %2. Remove "
                            "the entry \"%3\" there by hand.")
                 .arg(name, error, QString::fromLatin1(SecretStore::kService)));
    });
}

}  // namespace fulcrum::app
