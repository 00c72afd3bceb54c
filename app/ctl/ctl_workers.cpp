// fulcrum-ctl workers list|start|stop|restart|scale.
#include "app/ctl/ctl_commands.h"
#include "app/ctl/ctl_output.h"

#include <QDateTime>

namespace fulcrum::app::ctl {
namespace {

namespace method = protocol::method;

QString q(const std::string& s) { return QString::fromStdString(s); }

void printGroup(QTextStream& o, const protocol::WorkerGroupStatus& g) {
    o << q(g.name) << "  " << q(nlohmann::json(g.state).get<std::string>()) << "  " << g.desired_count << " wanted  `"
      << q(g.command) << "`\n";
    if (!g.failing_reason.empty()) o << "  failing: " << q(g.failing_reason) << "\n";
    for (const auto& i : g.instances) {
        o << "  #" << i.index << "  port " << i.port << "  " << q(nlohmann::json(i.state).get<std::string>());
        if (i.pid) o << "  pid " << i.pid;
        o << "  restarts " << i.restarts;
        if (i.last_exit) o << "  last exit: " << q(i.last_exit->reason);
        o << "\n";
    }
}

}  // namespace

int workersCommand(CtlContext& c) {
    const QStringList& w = c.args.words;
    const QString sub = w.value(1);
    const bool list = sub == QStringLiteral("list") && (w.size() == 3 || w.size() == 4);
    const bool action = (sub == QStringLiteral("start") || sub == QStringLiteral("stop") || sub == QStringLiteral("restart")) && w.size() == 4;
    const bool scale = sub == QStringLiteral("scale") && w.size() == 5;
    if (!list && !action && !scale) {
        return usage(c.err, QStringLiteral("workers: expected list HOST [GROUP], start|stop|restart HOST GROUP or scale HOST GROUP COUNT."));
    }
    int count = 0;
    if (scale) {
        bool ok = false;
        count = w[4].toInt(&ok);
        if (!ok || count < 0 || count > 1024) return usage(c.err, QStringLiteral("workers scale: COUNT must be 0 to 1024."));
    }
    int exitCode = kExitOk;
    auto host = openHost(c, w[2], exitCode);
    if (!host) return exitCode;
    if (list) {
        protocol::WorkersListParams params;
        if (w.size() == 4) params.group = w[3].toStdString();
        const auto r = host->call<method::WorkersList>(params);
        if (!r.ok()) return reportRpcError(r.error(), QStringLiteral("workers list"), c.err);
        if (c.args.json) {
            printJson(c.out, nlohmann::json(r.value()));
        } else {
            if (r.value().groups.empty()) c.out << "No worker groups.\n";
            for (const auto& g : r.value().groups) printGroup(c.out, g);
        }
        return kExitOk;
    }
    protocol::Outcome<protocol::WorkerGroupStatus> r = protocol::Error::make(protocol::ErrorCode::InternalError, "");
    const protocol::WorkersTarget target{w[3].toStdString(), std::nullopt};
    if (sub == QStringLiteral("start")) r = host->call<method::WorkersStart>(target);
    else if (sub == QStringLiteral("stop")) r = host->call<method::WorkersStop>(target);
    else if (sub == QStringLiteral("restart")) r = host->call<method::WorkersRestart>(target);
    else r = host->call<method::WorkersScale>(protocol::WorkersScaleParams{w[3].toStdString(), count});
    if (!r.ok()) return reportRpcError(r.error(), QStringLiteral("workers %1 %2").arg(sub, w[3]), c.err);
    if (c.args.json) {
        printJson(c.out, nlohmann::json(r.value()));
    } else {
        printGroup(c.out, r.value());
    }
    return kExitOk;
}

int logsCommand(CtlContext& c) {
    const QStringList& w = c.args.words;
    if (w.size() != 3 && w.size() != 4) return usage(c.err, QStringLiteral("logs: expected logs HOST GROUP [INDEX] (GROUP proxy for the proxy)."));
    protocol::LogsTailParams params;
    params.source.group = w[2].toStdString();
    params.lines = c.args.lines;
    if (w.size() == 4) {
        bool ok = false;
        const int index = w[3].toInt(&ok);
        if (!ok || index < 0) return usage(c.err, QStringLiteral("logs: INDEX must be an instance number."));
        params.source.index = index;
    }
    int exitCode = kExitOk;
    auto host = openHost(c, w[1], exitCode);
    if (!host) return exitCode;
    const auto r = host->call<method::LogsTail>(params);
    if (!r.ok()) return reportRpcError(r.error(), QStringLiteral("logs %1").arg(w[2]), c.err);
    if (c.args.json) {
        printJson(c.out, nlohmann::json(r.value()));
        return kExitOk;
    }
    for (const auto& line : r.value().lines) {
        c.out << QDateTime::fromMSecsSinceEpoch(line.time_ms).toString(QStringLiteral("HH:mm:ss.zzz")) << " " << q(line.group);
        if (line.index) c.out << "#" << *line.index;
        c.out << " " << q(line.stream) << ": " << q(line.text) << "\n";
    }
    return kExitOk;
}

}  // namespace fulcrum::app::ctl
