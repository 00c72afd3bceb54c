#include "ui/host/ProxyProblem.h"
#include "ui/Plural.h"

#include "app/models/format.h"

#include <QCoreApplication>
#include <QDateTime>

namespace fulcrum::ui {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("ProxyProblem", text); }
QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

std::optional<ProxyProblem> proxyProblem(const protocol::ProxyStatus& status, const QString& lastError) {
    using S = protocol::InstanceState;
    if (!status.configured) return std::nullopt;
    const QString said = lastError.isEmpty() ? QString() : tr("It said: “%1”.").arg(lastError);
    const QString exit = status.last_exit ? q(*status.last_exit) : tr("exited");
    if (status.state == S::failing) {
        ProxyProblem p;
        p.failing = true;
        p.title = tr("The proxy is not running: it failed right after starting several times in a row, so the agent "
                     "stopped restarting it. Nothing is served on its listeners.");
        QStringList lines;
        if (!said.isEmpty()) lines << said;
        else if (!status.failing_reason.empty()) lines << q(status.failing_reason);
        lines << tr("Fix the cause — for example stop the program that holds the port, or change the listener's "
                    "address — then click Start the proxy again.");
        p.details = lines.join(QLatin1Char(' '));
        return p;
    }
    if (status.state == S::backoff) {
        ProxyProblem p;
        QString when;
        if (status.next_restart_at_ms) {
            const double seconds = double(*status.next_restart_at_ms - QDateTime::currentMSecsSinceEpoch()) / 1000.0;
            when = seconds > 0.5 ? tr(" in %1").arg(app::formatDuration(seconds)) : QString();
        }
        p.title = tr("The proxy stopped (%1) and the agent restarts it%2.").arg(exit, when);
        p.details = said.isEmpty() ? tr("If it keeps stopping, the agent gives up after a few tries and says why here.")
                                   : said;
        return p;
    }
    if (status.state == S::stopped && !status.running) {
        ProxyProblem p;
        p.title = tr("The proxy is not running although the configuration has listeners.");
        p.details = said.isEmpty() ? tr("Apply the configuration again to start it.") : said;
        return p;
    }
    return std::nullopt;
}

QString proxyStateText(const protocol::ProxyStatus& status, int listeners) {
    using S = protocol::InstanceState;
    if (!status.configured || listeners == 0) return tr("no listeners configured");
    const QString count = plural(listeners, "%1 listener", "%1 listeners");
    switch (status.state) {
    case S::running: return tr("running · %1").arg(count);
    case S::starting: return tr("starting · %1").arg(count);
    case S::stopping: return tr("stopping");
    case S::failing: return tr("FAILING — stopped restarting · %1 configured").arg(count);
    case S::backoff: return tr("restarting after it stopped · %1 configured").arg(count);
    case S::unknown:
    case S::unhealthy:
    case S::stopped: break;
    }
    return tr("NOT running · %1 configured").arg(count);
}

QString lastProxyErrorLine(const protocol::LogsTailResult& tail) {
    for (auto it = tail.lines.rbegin(); it != tail.lines.rend(); ++it) {
        if (it->stream == "agent" || it->text.empty()) continue;
        QString text = q(it->text).trimmed();
        if (text.size() > 300) text = text.left(299) + QChar(0x2026);
        return text;
    }
    return {};
}

}  // namespace fulcrum::ui
