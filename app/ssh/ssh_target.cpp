#include "app/ssh/ssh_target.h"

#include <QDir>

#include <pwd.h>
#include <unistd.h>

namespace fulcrum::app {

QString SshTarget::effectiveUser() const {
    if (!user.isEmpty()) return user;
    if (const passwd* pw = ::getpwuid(::geteuid())) return QString::fromLocal8Bit(pw->pw_name);
    return qEnvironmentVariable("USER");
}

QString SshTarget::effectiveSshDir() const {
    return sshDir.isEmpty() ? QDir::homePath() + QStringLiteral("/.ssh") : sshDir;
}

QString SshTarget::effectiveKnownHostsPath() const {
    return knownHostsPath.isEmpty() ? effectiveSshDir() + QStringLiteral("/known_hosts") : knownHostsPath;
}

QString SshTarget::displayName() const {
    QString text = effectiveUser() + QLatin1Char('@') + hostName;
    if (port != 22) text += QLatin1Char(':') + QString::number(port);
    return text;
}

}  // namespace fulcrum::app
