// fulcrum-ctl reboot-verify: the panel's RebootVerifier on the command line. Each step is
// printed the moment it starts and ends, so a person watching a server reboot sees where it
// is; the exit status tells a script green (0), red (5), stopped by preflight (6) or that the
// host could not be reached in the first place (3, 4).
#include "app/ctl/ctl_reboot.h"

#include "app/ctl/ctl_commands.h"
#include "app/ctl/ctl_output.h"
#include "app/ctl/interrupt_guard.h"
#include "app/reboot/reboot_verifier.h"

namespace fulcrum::app::ctl {
// Longer than every phase timeout together: the verifier ends itself well before this, so
// reaching it means something is stuck beyond what the state machine covers.
std::chrono::milliseconds overallBound(const RebootOptions& o) {
    return o.rpcTimeout * 3 + o.issueTimeout + o.downTimeout + o.upTimeout + o.healthTimeout * 3 +
           o.stability + std::chrono::minutes(2);
}

RebootOptions rebootOptionsFrom(const CtlArgs& args) {
    RebootOptions options;
    if (!args.rebootCommand.isEmpty()) options.rebootCommand = args.rebootCommand;
    if (args.stabilitySeconds) options.stability = std::chrono::seconds(*args.stabilitySeconds);
    options.proceedDespiteWarnings = args.yes;
    return options;
}

int verdictExitCode(const RebootVerifier& verifier) {
    if (verifier.verdict() == RebootVerifier::Verdict::Passed) return kExitOk;
    return verifier.awaitsConfirmation() ? kExitPreflightStop : kExitRedVerdict;
}

RebootRun runRebootVerify(CtlContext& c, HostSession& session, const RebootOptions& options,
                          const QString& command) {
    // With --json stdout carries one document at the end; the live lines go to stderr.
    StepPrinter printer(c.args.json ? c.err : c.out);
    RebootVerifier verifier(&session, options);
    QObject::connect(&verifier, &RebootVerifier::stepChanged, &verifier,
                     [&](int index) { printer.stepChanged(verifier, index); });
    printer.header(session.displayName(), options, command);
    // Ctrl-C ends the run as a red "cancelled" step, so the verdict and the steps so far print.
    InterruptGuard guard([&verifier] { verifier.cancel(); });
    verifier.start();
    const bool ended = waitFor([&] { return verifier.verdict() != RebootVerifier::Verdict::Running; },
                               overallBound(options));
    if (!ended) verifier.cancel();
    printer.verdict(verifier);
    return {verdictExitCode(verifier), verdictJson(session.displayName(), verifier)};
}

int rebootVerifyCommand(CtlContext& c) {
    const QStringList& w = c.args.words;
    if (w.size() < 2) return usage(c.err, QStringLiteral("reboot-verify: expected reboot-verify HOST."));
    if (!c.args.drainOn.isEmpty() && !c.args.rolling)
        return usage(c.err, QStringLiteral("reboot-verify: --drain-on is for --rolling."));
    if (c.args.rolling) return rollingRebootCommand(c);
    if (w.size() > 2)
        return usage(c.err, QStringLiteral("reboot-verify: one HOST at a time, or several with --rolling."));
    int exitCode = kExitOk;
    // Reconnecting on: the session must follow the host down and back up.
    auto host = openHost(c, w[1], exitCode, /*allowMissingAgent=*/false, /*reconnect=*/true);
    if (!host) return exitCode;
    const RebootRun run = runRebootVerify(c, host->session(), rebootOptionsFrom(c.args), w[1]);
    if (c.args.json) printJson(c.out, run.report);
    return run.exitCode;
}

}  // namespace fulcrum::app::ctl
