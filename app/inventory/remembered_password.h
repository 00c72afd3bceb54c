#pragma once
// The "remember password" setting of a host (off by default) at work, for the panel and
// fulcrum-ctl alike. Before a login: the keychain's password becomes the prompter's preset,
// so the login asks nobody. After a login the person typed the password for: it goes into
// the keychain, if the host remembers. A keychain that cannot be reached never stops a login:
// the password is asked as usual and the notice says why. Only SecretStore touches the
// secret, and it has no file fallback.

#include "app/inventory/host_entry.h"
#include "app/ssh/preset_password_prompter.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace fulcrum::app {

class RememberedPassword {
public:
    // done(notice): empty when all went as expected (also: nothing remembered yet, or the
    // entry does not remember), else what happened and what it means, for a banner or stderr.
    using Done = std::function<void(const QString& notice)>;

    static void load(const HostEntry& entry, std::shared_ptr<PresetPasswordPrompter> prompter, QObject* context, Done done);
    // Call once the login succeeded. Stores what the person typed when the entry remembers;
    // a password that came from the keychain is not written again.
    static void storeTyped(const HostEntry& entry, PresetPasswordPrompter& prompter, QObject* context, Done done);
    // For a host removed or whose setting was turned off.
    static void forget(const HostEntry& entry, QObject* context, Done done);
};

}  // namespace fulcrum::app
