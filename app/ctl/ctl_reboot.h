#pragma once
// reboot-verify on the command line: the options from the arguments, the live step lines, the
// --json report and the exit status of one verification. Shared by the single-host command
// and the rolling reboot of several hosts.

#include <QTextStream>
#include <nlohmann/json.hpp>

#include "app/ctl/ctl_commands.h"
#include "app/ctl/ctl_host.h"
#include "app/reboot/reboot_verifier.h"

namespace fulcrum::app::ctl {

RebootOptions rebootOptionsFrom(const CtlArgs& args);
// kExitOk on green, kExitPreflightStop when preflight warnings stopped it, else kExitRedVerdict.
int verdictExitCode(const RebootVerifier& verifier);
// {"host", "verdict", "failure", "steps": [{"step", "title", "status", "started_at_ms",
//  "duration_ms", "evidence"}]}
nlohmann::json verdictJson(const QString& host, const RebootVerifier& verifier);
nlohmann::json stepsJson(const QVector<RebootVerifier::StepRecord>& steps);

// Prints each step when it starts and when it ends: time, number, title, status, duration,
// and the evidence of a failed (or deliberately skipped) step.
class StepPrinter {
  public:
    explicit StepPrinter(QTextStream& out) : m_out(out) {}
    // `host` is shown; `command` is how the user named it, for the suggested fix.
    void header(const QString& host, const RebootOptions& options, const QString& command = {});
    void stepChanged(const RebootVerifier& verifier, int index);
    void verdict(const RebootVerifier& verifier);

  private:
    QTextStream& m_out;
    QString m_host;  // as typed on the command line, for the commands suggested
};

struct RebootRun {
    int exitCode = kExitOk;
    nlohmann::json report;
};

// Runs one verification on a connected session (with reconnecting on) to its end.
RebootRun runRebootVerify(CtlContext& c, HostSession& session, const RebootOptions& options,
                          const QString& command);

// reboot-verify HOST... --rolling (ctl_rolling.cpp).
int rollingRebootCommand(CtlContext& c);
// Bound for waiting on a run whose phases all have their own timeouts.
std::chrono::milliseconds overallBound(const RebootOptions& options);

}  // namespace fulcrum::app::ctl
