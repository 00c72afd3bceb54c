// fulcrum-ctl reboot-verify HOST... --rolling: RollingReboot on the command line. Every host is
// connected before anything changes (a host that cannot be reached stops the run at once);
// drains, in-flight waits, each verification step and each restore are printed as they happen.
#include <QDateTime>
#include <QHostAddress>
#include <QHostInfo>
#include <map>

#include "app/ctl/ctl_output.h"
#include "app/ctl/ctl_reboot.h"
#include "app/ctl/interrupt_guard.h"
#include "app/reboot/rolling_reboot.h"

namespace fulcrum::app::ctl {
namespace {

using Phase = RollingReboot::Phase;

QString now() {
    return QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss.zzz"));
}

// How the other hosts' pools may name this host: its SSH host name and what that resolves to.
QStringList poolAddressesOf(const HostSession& session) {
    QStringList addresses = RollingReboot::defaultAddresses(session);
    const QString name = session.endpoint().isLocal() ? QString() : session.endpoint().ssh.hostName;
    if (!name.isEmpty() && QHostAddress(name).isNull()) {
        for (const QHostAddress& a : QHostInfo::fromName(name).addresses()) {
            const QString text = a.toString();
            if (!addresses.contains(text)) addresses << text;
        }
    }
    return addresses;
}

}  // namespace

int rollingRebootCommand(CtlContext& c) {
    QStringList names = c.args.words.mid(1);
    QStringList poolOnly;
    for (const QString& d : c.args.drainOn)
        if (!names.contains(d) && !poolOnly.contains(d)) poolOnly << d;
    if (names.removeDuplicates() > 0)
        return usage(c.err, QStringLiteral("reboot-verify --rolling: a HOST is named twice."));

    // Connect to every host first: nothing is drained or rebooted unless all of them answer.
    std::map<QString, std::unique_ptr<CtlHost>> sessions;
    for (const QString& name : names + poolOnly) {
        int exitCode = kExitOk;
        auto host = openHost(c, name, exitCode, /*allowMissingAgent=*/false, /*reconnect=*/true);
        if (!host) return exitCode;
        sessions[name] = std::move(host);
    }
    QVector<RollingHost> hosts;
    QVector<HostSession*> poolHosts;
    for (const QString& name : names) {
        HostSession& s = sessions[name]->session();
        hosts.push_back({&s, poolAddressesOf(s)});
        poolHosts.push_back(&s);
    }
    for (const QString& name : poolOnly) poolHosts.push_back(&sessions[name]->session());

    const RebootOptions options = rebootOptionsFrom(c.args);
    RollingReboot rolling(hosts, poolHosts, options);
    QTextStream& live = c.args.json ? c.err : c.out;
    StepPrinter printer(live);
    QVector<bool> awaitsConfirmation(hosts.size(), false);
    QObject::connect(&rolling, &RollingReboot::progress, &rolling, [&](int index, const QString& line) {
        live << now() << "  " << rolling.hosts()[index].name << ": " << line << "\n";
        live.flush();
    });
    QObject::connect(&rolling, &RollingReboot::verifierStarted, &rolling, [&](int index, RebootVerifier* v) {
        printer.header(rolling.hosts()[index].name, options, names.value(index));
        QObject::connect(v, &RebootVerifier::stepChanged, v,
                         [&printer, v](int step) { printer.stepChanged(*v, step); });
        QObject::connect(v, &RebootVerifier::finished, v, [&printer, &awaitsConfirmation, v, index] {
            printer.verdict(*v);
            awaitsConfirmation[index] = v->awaitsConfirmation();
        });
    });
    QObject::connect(&rolling, &RollingReboot::hostChanged, &rolling, [&](int index) {
        const auto& run = rolling.hosts()[index];
        if (run.phase != Phase::Passed && run.phase != Phase::Failed) return;
        live << now() << "  " << run.name << ": pools " << (run.restoreOk ? "restored" : "NOT restored")
             << ":\n";
        for (const QString& line : run.restoreEvidence.split(QLatin1Char('\n')))
            live << "              | " << line << "\n";
        live << now() << "  " << run.name << ": "
             << (run.phase == Phase::Passed ? QStringLiteral("GREEN") : QStringLiteral("RED: ") + run.failure)
             << "\n";
        live.flush();
    });
    InterruptGuard guard([&] {
        live << now() << "  interrupted: stopping after the pools are restored (again to quit at once)\n";
        live.flush();
        rolling.cancel();
    });
    live << "Rolling reboot of " << names.join(QStringLiteral(", ")) << "; pools drained on "
         << (names + poolOnly).join(QStringLiteral(", ")) << "\n";
    rolling.start();
    const auto bound =
        (overallBound(options) + DrainOptions{}.inFlightTimeout + std::chrono::minutes(1)) * hosts.size();
    if (!waitFor([&] { return rolling.verdict() != RebootVerifier::Verdict::Running; }, bound)) {
        rolling.cancel();
        waitFor([&] { return rolling.verdict() != RebootVerifier::Verdict::Running; },
                std::chrono::minutes(2));
    }

    const bool green = rolling.verdict() == RebootVerifier::Verdict::Passed;
    live << (green ? QStringLiteral("Rolling reboot: GREEN: every host passed.")
                   : QStringLiteral("Rolling reboot: RED: ") + rolling.failureSummary())
         << "\n";
    live.flush();
    if (c.args.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& run : rolling.hosts())
            list.push_back({{"host", run.name.toStdString()},
                            {"phase", RollingReboot::phaseName(run.phase).toStdString()},
                            {"failure", run.failure.toStdString()},
                            {"drain", run.drainEvidence.toStdString()},
                            {"restore", run.restoreEvidence.toStdString()},
                            {"restore_ok", run.restoreOk},
                            {"steps", stepsJson(run.steps)}});
        printJson(c.out, {{"verdict", green ? "passed" : "failed"},
                          {"failure", rolling.failureSummary().toStdString()},
                          {"hosts", list}});
    }
    if (green) return kExitOk;
    for (int i = 0; i < awaitsConfirmation.size(); ++i)
        if (awaitsConfirmation[i] && rolling.hosts()[i].restoreOk) return kExitPreflightStop;
    return kExitRedVerdict;
}

}  // namespace fulcrum::app::ctl
