#include <QDateTime>

#include "app/ctl/ctl_host.h"
#include "app/ctl/ctl_reboot.h"

namespace fulcrum::app::ctl {
namespace {

using Status = RebootVerifier::Status;

QString timeOfDay(qint64 ms) {
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss.zzz"));
}

QString seconds(qint64 ms) {
    return QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
}

QString indented(const QString& text) {
    QString out;
    for (const QString& line : text.split(QLatin1Char('\n')))
        out += QStringLiteral("              | ") + line + QLatin1Char('\n');
    return out;
}

}  // namespace

nlohmann::json stepsJson(const QVector<RebootVerifier::StepRecord>& records) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& r : records) {
        steps.push_back({{"step", RebootVerifier::stepKey(r.step).toStdString()},
                         {"title", r.title.toStdString()},
                         {"status", RebootVerifier::statusName(r.status).toStdString()},
                         {"started_at_ms", r.startedAtMs},
                         {"duration_ms", r.durationMs},
                         {"evidence", r.evidence.toStdString()}});
    }
    return steps;
}

nlohmann::json verdictJson(const QString& host, const RebootVerifier& verifier) {
    const char* verdict = verifier.verdict() == RebootVerifier::Verdict::Passed   ? "passed"
                          : verifier.verdict() == RebootVerifier::Verdict::Failed ? "failed"
                                                                                  : "running";
    return {{"host", host.toStdString()},
            {"verdict", verdict},
            {"preflight_stopped", verifier.awaitsConfirmation()},
            {"failure", verifier.failureSummary().toStdString()},
            {"steps", stepsJson(verifier.steps())}};
}

void StepPrinter::header(const QString& host, const RebootOptions& options, const QString& command) {
    m_host = command.isEmpty() ? host : command;
    m_out << "Reboot and verify " << host << ": `" << options.rebootCommand << "`, stability window "
          << seconds(options.stability.count()) << "\n";
    m_out.flush();
}

void StepPrinter::stepChanged(const RebootVerifier& verifier, int index) {
    const auto& r = verifier.steps().at(index);
    // Steps never entered (skipped after an earlier failure) are summed up by verdict().
    if (r.startedAtMs == 0) return;
    const QString number = QStringLiteral("[%1/%2]").arg(index + 1, 2).arg(int(RebootVerifier::Step::Count));
    if (r.status == Status::Running) {
        m_out << timeOfDay(r.startedAtMs) << "  " << number << " " << r.title << " …\n";
    } else {
        m_out << timeOfDay(r.startedAtMs + r.durationMs) << "  " << number << " " << r.title << ": "
              << RebootVerifier::statusName(r.status) << " (" << seconds(r.durationMs) << ")\n";
        if (r.status != Status::Passed && !r.evidence.isEmpty()) m_out << indented(r.evidence);
    }
    m_out.flush();
}

void StepPrinter::verdict(const RebootVerifier& verifier) {
    switch (verifier.verdict()) {
        case RebootVerifier::Verdict::Passed:
            m_out << "Verdict: GREEN: every step passed.\n";
            break;
        case RebootVerifier::Verdict::Failed:
            m_out << "Verdict: RED: " << verifier.failureSummary() << "\n";
            if (verifier.awaitsConfirmation())
                m_out << "Nothing was rebooted. Fix the warnings above (the agent starts at boot after "
                         "`fulcrum-ctl boot "
                         "install "
                      << m_host << "`), or run again with --yes to reboot anyway.\n";
            break;
        case RebootVerifier::Verdict::Running:
            m_out << "Verdict: none: the run did not end.\n";
            break;
    }
    m_out.flush();
}

}  // namespace fulcrum::app::ctl
