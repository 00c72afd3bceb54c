#include "tests/app/inventory/secret_service_session.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QThread>

namespace fulcrum::app::test {
namespace {

constexpr const char* kThrowawayKeyringPassword = "throwaway-test-keyring";

}  // namespace

SecretServiceSession::SecretServiceSession() : m_env(QProcessEnvironment::systemEnvironment()) {}

SecretServiceSession::~SecretServiceSession() {
    stopKeyring();
    if (m_bus) {
        m_bus->kill();
        m_bus->waitForFinished(5000);
    }
}

QString SecretServiceSession::start() {
    for (const char* tool : {"dbus-daemon", "gnome-keyring-daemon", "secret-tool", "dbus-send"}) {
        if (QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty())
            return QStringLiteral("%1 is not installed (resources/deps.sh installs it)").arg(QString::fromLatin1(tool));
    }
    if (!m_dir.isValid()) return QStringLiteral("no temporary directory");
    const QString socket = m_dir.filePath(QStringLiteral("bus"));
    QFile config(m_dir.filePath(QStringLiteral("bus.conf")));
    if (!config.open(QIODevice::WriteOnly)) return config.errorString();
    config.write(QStringLiteral(R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%1</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
)").arg(socket).toUtf8());
    config.close();
    m_bus = std::make_unique<QProcess>();
    m_bus->setProcessChannelMode(QProcess::SeparateChannels);
    m_bus->start(QStringLiteral("dbus-daemon"), {QStringLiteral("--config-file=") + config.fileName(), QStringLiteral("--nofork"),
                                                 QStringLiteral("--print-address=1")});
    if (!m_bus->waitForReadyRead(10000)) return QStringLiteral("dbus-daemon did not start: ") + QString::fromUtf8(m_bus->readAllStandardError());
    const QString address = QString::fromUtf8(m_bus->readLine()).trimmed();
    const QString home = m_dir.filePath(QStringLiteral("home"));
    const QString runtime = m_dir.filePath(QStringLiteral("run"));
    QDir().mkpath(home);
    QDir().mkpath(runtime);
    QFile::setPermissions(runtime, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    m_env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), address);
    m_env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
    m_env.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime);
    m_env.insert(QStringLiteral("HOME"), home);
    m_env.remove(QStringLiteral("SSH_AUTH_SOCK"));
    // This process only needs the bus; its own HOME and data directories stay as they are.
    qputenv("DBUS_SESSION_BUS_ADDRESS", address.toLocal8Bit());
    qunsetenv("SSH_AUTH_SOCK");

    m_keyring = std::make_unique<QProcess>();
    m_keyring->setProcessEnvironment(m_env);
    m_keyring->start(QStringLiteral("gnome-keyring-daemon"),
                     {QStringLiteral("--foreground"), QStringLiteral("--unlock"), QStringLiteral("--components=secrets")});
    if (!m_keyring->waitForStarted(10000)) return QStringLiteral("gnome-keyring-daemon did not start");
    // Without an event loop running, the password leaves QProcess's buffer only when waited for.
    m_keyring->write(kThrowawayKeyringPassword);
    m_keyring->waitForBytesWritten(5000);
    m_keyring->closeWriteChannel();
    QDeadlineTimer deadline(15000);
    while (!nameOwned(QStringLiteral("org.freedesktop.secrets"))) {
        if (deadline.hasExpired() || m_keyring->state() != QProcess::Running)
            return QStringLiteral("gnome-keyring-daemon did not take org.freedesktop.secrets (%1, exit %2): %3 %4")
                .arg(m_keyring->state() == QProcess::Running ? QStringLiteral("running") : QStringLiteral("ended"))
                .arg(m_keyring->exitCode())
                .arg(QString::fromUtf8(m_keyring->readAllStandardOutput()), QString::fromUtf8(m_keyring->readAllStandardError()));
        QThread::msleep(50);
    }
    return {};
}

void SecretServiceSession::stopKeyring() {
    if (!m_keyring) return;
    m_keyring->kill();
    m_keyring->waitForFinished(5000);
    m_keyring.reset();
    QDeadlineTimer deadline(5000);
    while (m_bus && nameOwned(QStringLiteral("org.freedesktop.secrets")) && !deadline.hasExpired()) QThread::msleep(20);
}

bool SecretServiceSession::keyringRunning() const { return m_keyring && m_keyring->state() == QProcess::Running; }

bool SecretServiceSession::nameOwned(const QString& name) const {
    QProcess ask;
    ask.setProcessEnvironment(m_env);
    ask.start(QStringLiteral("dbus-send"), {QStringLiteral("--session"), QStringLiteral("--print-reply"),
                                            QStringLiteral("--dest=org.freedesktop.DBus"), QStringLiteral("/org/freedesktop/DBus"),
                                            QStringLiteral("org.freedesktop.DBus.NameHasOwner"), QStringLiteral("string:") + name});
    ask.waitForFinished(5000);
    return QString::fromUtf8(ask.readAllStandardOutput()).contains(QStringLiteral("boolean true"));
}

QString SecretServiceSession::lookup(const QStringList& attributes) const {
    QProcess tool;
    tool.setProcessEnvironment(m_env);
    tool.start(QStringLiteral("secret-tool"), QStringList{QStringLiteral("lookup")} + attributes);
    tool.waitForFinished(10000);
    return QString::fromUtf8(tool.readAllStandardOutput());
}

}  // namespace fulcrum::app::test
