#include "app/deploy/agent_installer.h"

#include "app/rpc/agent_locator.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>

namespace fulcrum::app {
namespace {

SshError failed(SshError::Kind kind, const QString& message, const QString& detail = {}) {
    return SshError{kind, message, detail, {}};
}

// Runs a short command; non-zero exit is a CommandFailed error naming `what`.
std::variant<ExecResult, SshError> run(SshConnection& connection, const QByteArray& command, const QString& what,
                                       bool requireSuccess = true) {
    auto result = connection.exec(command, {}, 64 * 1024, std::chrono::seconds(60));
    if (auto* error = std::get_if<SshError>(&result)) return *error;
    auto& r = std::get<ExecResult>(result);
    if (requireSuccess && r.exitStatus != 0) {
        return failed(SshError::Kind::CommandFailed, QStringLiteral("%1 failed on the host (exit status %2).").arg(what).arg(r.exitStatus),
                      QString::fromUtf8(r.err.left(2000)).trimmed());
    }
    return r;
}

}  // namespace

QString sha256OfFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file)) return {};
    return QString::fromLatin1(hash.result().toHex());
}

QByteArray shellQuote(const QString& text) {
    QByteArray bytes = text.toUtf8();
    bytes.replace('\'', "'\\''");
    return '\'' + bytes + '\'';
}

QString parseAgentVersion(const QByteArray& output) {
    static const QRegularExpression re(QStringLiteral("^fulcrum-agent ([0-9A-Za-z.+~-]{1,64})\\s*$"), QRegularExpression::MultilineOption);
    const auto m = re.match(QString::fromUtf8(output.left(4096)));
    return m.hasMatch() ? m.captured(1) : QString();
}

std::variant<InstallReport, SshError> installAgent(SshConnection& connection, const InstallOptions& options,
                                                   const InstallProgress& progress) {
    auto report = [&](int percent, const QString& step) {
        if (progress) progress(percent, step);
    };
    InstallReport out;
    QString local = options.localAgentPath;
    if (local.isEmpty()) {
        const AgentBinary found = locateAgentBinary();
        if (found.path.isEmpty()) return failed(SshError::Kind::Local, found.errorText());
        local = found.path;
    }
    QString why;
    const auto requirements = readAgentRequirements(local, &why);
    if (!requirements) return failed(SshError::Kind::Local, why);
    out.sha256 = sha256OfFile(local);
    if (out.sha256.isEmpty()) return failed(SshError::Kind::Local, QStringLiteral("Cannot read %1.").arg(local));
    const QString host = options.hostName.isEmpty() ? QStringLiteral("the host") : options.hostName;

    report(2, QStringLiteral("Checking the host's system"));
    auto probe = run(connection, kPlatformProbeCommand, QStringLiteral("The platform check"), false);
    if (auto* error = std::get_if<SshError>(&probe)) return *error;
    const auto platform = parsePlatformProbe(std::get<ExecResult>(probe).out, &why);
    if (!platform) return failed(SshError::Kind::UnsupportedHost, why);
    out.platform = *platform;
    if (const QString refusal = checkSupported(*platform, *requirements, host); !refusal.isEmpty()) {
        return failed(SshError::Kind::UnsupportedHost, refusal);
    }

    const QString dir = platform->home + QLatin1Char('/') + QLatin1String(kRemoteAgentDir);
    out.remotePath = dir + QLatin1Char('/') + QLatin1String(kRemoteAgentName);
    const QByteArray qDir = shellQuote(dir), qFinal = shellQuote(out.remotePath);

    report(5, QStringLiteral("Looking for an installed agent"));
    // Exit 3 when absent; otherwise the file's hash, then what the binary says it is.
    auto existing = run(connection,
                        "f=" + qFinal + "; [ -x \"$f\" ] || exit 3; sha256sum -- \"$f\" | cut -c1-64; \"$f\" version 2>/dev/null",
                        QStringLiteral("Looking for an installed agent"), false);
    if (auto* error = std::get_if<SshError>(&existing)) return *error;
    const auto& ex = std::get<ExecResult>(existing);
    QString existingHash;
    if (ex.exitStatus == 0 || !ex.out.isEmpty()) {
        const QList<QByteArray> lines = ex.out.split('\n');
        existingHash = QString::fromLatin1(lines.value(0).trimmed()).toLower();
        out.previousVersion = parseAgentVersion(ex.out);
    }
    if (!options.force && existingHash == out.sha256) {
        out.installedVersion = out.previousVersion;
        report(100, QStringLiteral("The host already has this agent"));
        return out;
    }

    report(8, QStringLiteral("Preparing ~/.local/lib/fulcrum"));
    if (auto made = run(connection, "mkdir -p " + qDir + " && chmod 700 " + qDir, QStringLiteral("Creating ~/.local/lib/fulcrum"));
        std::holds_alternative<SshError>(made)) {
        return std::get<SshError>(made);
    }
    const QString temp = dir + QStringLiteral("/.fulcrum-agent.upload-%1").arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
    const QByteArray qTemp = shellQuote(temp);
    auto cleanup = [&] { (void)connection.exec("rm -f -- " + qTemp, {}, 4096, std::chrono::seconds(20)); };

    report(10, QStringLiteral("Uploading fulcrum-agent"));
    if (auto error = connection.upload(local, temp, 0700, [&](qint64 done, qint64 total) {
            report(10 + int(total > 0 ? (done * 80) / total : 80), QStringLiteral("Uploading fulcrum-agent"));
        })) {
        cleanup();
        return *error;
    }

    report(91, QStringLiteral("Verifying the upload (SHA-256)"));
    auto verify = run(connection, "sha256sum -- " + qTemp, QStringLiteral("Verifying the upload"));
    if (auto* error = std::get_if<SshError>(&verify)) {
        cleanup();
        return *error;
    }
    const QString remoteHash = QString::fromLatin1(std::get<ExecResult>(verify).out.left(64)).toLower();
    if (remoteHash != out.sha256) {
        cleanup();
        return failed(SshError::Kind::Sftp,
                      QStringLiteral("The uploaded agent on %1 is damaged (SHA-256 %2, expected %3); nothing was installed.")
                          .arg(host, remoteHash.left(64), out.sha256));
    }

    report(95, QStringLiteral("Installing"));
    // rename(2) within one directory: the old binary stays intact until the new one is whole,
    // and a running agent keeps its open file.
    auto moved = run(connection, "chmod 700 " + qTemp + " && mv -f -- " + qTemp + " " + qFinal + " && " + qFinal + " version",
                     QStringLiteral("Installing the agent"));
    if (auto* error = std::get_if<SshError>(&moved)) {
        cleanup();
        return *error;
    }
    out.installedVersion = parseAgentVersion(std::get<ExecResult>(moved).out);
    if (out.installedVersion.isEmpty()) {
        return failed(SshError::Kind::CommandFailed,
                      QStringLiteral("The agent was installed on %1 but does not run there.").arg(host),
                      QString::fromUtf8(std::get<ExecResult>(moved).err.left(2000)));
    }
    out.uploaded = true;
    report(97, QStringLiteral("Installed fulcrum-agent %1").arg(out.installedVersion));
    return out;
}

}  // namespace fulcrum::app
