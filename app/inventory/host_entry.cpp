#include "app/inventory/host_entry.h"

#include "app/ssh/destination.h"

namespace fulcrum::app {

QString authMethodName(AuthMethod method) {
    switch (method) {
    case AuthMethod::Auto: return QStringLiteral("auto");
    case AuthMethod::Agent: return QStringLiteral("agent");
    case AuthMethod::KeyFile: return QStringLiteral("key");
    case AuthMethod::Password: return QStringLiteral("password");
    case AuthMethod::KeyboardInteractive: return QStringLiteral("keyboard-interactive");
    }
    return QStringLiteral("auto");
}

std::optional<AuthMethod> authMethodFromName(const QString& name) {
    for (AuthMethod m : {AuthMethod::Auto, AuthMethod::Agent, AuthMethod::KeyFile, AuthMethod::Password,
                         AuthMethod::KeyboardInteractive}) {
        if (authMethodName(m) == name) return m;
    }
    return std::nullopt;
}

SshTarget HostEntry::target(const SshConfig& config, const QString& homeDir) const {
    Destination destination;
    destination.host = address;
    TargetOverrides overrides;
    if (port != 0) overrides.port = port;
    overrides.user = user;
    if (!identityFile.isEmpty()) overrides.identityFiles << identityFile;
    SshTarget t = resolveTarget(destination, config, overrides, homeDir);
    t.alias = name;
    if (!proxyJump.isEmpty()) t.proxyJump = proxyJump;
    if (auth == AuthMethod::KeyFile && !identityFile.isEmpty()) t.identitiesOnly = true;
    return t;
}

QString HostEntry::subtitle() const {
    if (local) return QStringLiteral("The bundled agent, no SSH");
    QString text = address;
    if (!user.isEmpty()) text = user + QLatin1Char('@') + text;
    if (port != 0 && port != 22) text += QLatin1Char(':') + QString::number(port);
    return text;
}

}  // namespace fulcrum::app
