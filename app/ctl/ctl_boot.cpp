// fulcrum-ctl boot status|install: whether the agent on a host comes back after a reboot, and
// installing the boot entry that makes it (the agent's boot.install picks or takes the mechanism).
#include "app/ctl/ctl_commands.h"
#include "app/ctl/ctl_output.h"

namespace fulcrum::app::ctl {
namespace {

namespace method = protocol::method;

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

void printBoot(QTextStream& o, const protocol::BootStatus& boot) {
    o << q(boot.summary) << "\n";
    o << "Installed:   " << q(nlohmann::json(boot.installed).get<std::string>()) << "\n";
    o << "Recommended: " << q(nlohmann::json(boot.recommended).get<std::string>()) << "\n";
    if (!boot.unit_path.empty()) o << "Entry:       " << q(boot.unit_path) << "\n";
    o << "At boot:     " << (boot.will_start_on_boot ? "the agent starts" : "the agent WILL NOT start")
      << "\n";
    for (const auto& p : boot.problems) o << "  - " << q(p) << "\n";
    if (!boot.fix.empty()) o << "  fix: " << q(boot.fix) << "\n";
}

}  // namespace

int bootCommand(CtlContext& c) {
    const QStringList& w = c.args.words;
    const QString sub = w.value(1);
    if (w.size() != 3 || (sub != QStringLiteral("status") && sub != QStringLiteral("install")))
        return usage(c.err, QStringLiteral("boot: expected status HOST or install HOST [--mechanism M]."));
    if (sub == QStringLiteral("status") && !c.args.mechanism.isEmpty())
        return usage(c.err, QStringLiteral("boot status: --mechanism is for boot install."));
    int exitCode = kExitOk;
    auto host = openHost(c, w[2], exitCode);
    if (!host) return exitCode;
    protocol::Outcome<protocol::BootStatus> r = protocol::Error::make(protocol::ErrorCode::InternalError, "");
    if (sub == QStringLiteral("status")) {
        r = host->call<method::BootStatusGet>({});
    } else {
        protocol::BootInstallParams params;
        if (!c.args.mechanism.isEmpty())
            params.mechanism = nlohmann::json(c.args.mechanism.toStdString()).get<protocol::BootMechanism>();
        r = host->call<method::BootInstall>(params);
    }
    if (!r.ok()) return reportRpcError(r.error(), QStringLiteral("boot %1").arg(sub), c.err);
    if (c.args.json)
        printJson(c.out, nlohmann::json(r.value()));
    else
        printBoot(c.out, r.value());
    // Installed but still not coming back (e.g. no cron daemon running) is not a success.
    if (sub == QStringLiteral("install") && !r.value().will_start_on_boot) {
        c.err << "fulcrum-ctl: the boot entry is in place but the agent will not start at boot";
        if (!r.value().fix.empty()) c.err << "; " << q(r.value().fix);
        c.err << "\n";
        return kExitFailed;
    }
    return kExitOk;
}

}  // namespace fulcrum::app::ctl
