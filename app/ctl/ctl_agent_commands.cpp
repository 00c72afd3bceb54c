// fulcrum-ctl deploy and status.
#include "app/ctl/ctl_commands.h"
#include "app/ctl/ctl_output.h"
#include "app/deploy/agent_deployer.h"

#include <QDateTime>

namespace fulcrum::app::ctl {
namespace {

namespace method = protocol::method;

QString duration(double seconds) {
    const qint64 s = qint64(seconds);
    if (s < 120) return QStringLiteral("%1 s").arg(s);
    if (s < 7200) return QStringLiteral("%1 min").arg(s / 60);
    if (s < 172800) return QStringLiteral("%1 h").arg(s / 3600);
    return QStringLiteral("%1 days").arg(s / 86400);
}

QString q(const std::string& s) { return QString::fromStdString(s); }

// The proxy in one line, by the state the agent reports: "failing" (it gave up restarting it)
// and "backoff" must not read as a plain "not running".
QString proxyLine(const protocol::ProxyStatus& p, qint64 nowMs) {
    using protocol::InstanceState;
    if (!p.configured && !p.running) return QStringLiteral("not configured");
    switch (p.state) {
    case InstanceState::failing:
        return QStringLiteral("FAILING — exited too often right after starting; not restarted until the next "
                              "config apply");
    case InstanceState::backoff: {
        QString text = QStringLiteral("NOT RUNNING, restarting");
        if (p.next_restart_at_ms) text += QStringLiteral(" in %1 s").arg(std::max<qint64>(0, (*p.next_restart_at_ms - nowMs + 999) / 1000));
        if (p.last_exit) text += QStringLiteral(" (last exit: %1)").arg(q(*p.last_exit));
        return text + QStringLiteral(", %1 restart(s)").arg(p.restarts);
    }
    default:
        break;
    }
    if (p.running) {
        return QStringLiteral("%1, pid %2, config version %3%4")
            .arg(p.state == InstanceState::starting ? QStringLiteral("starting") : QStringLiteral("running"))
            .arg(p.pid)
            .arg(p.config_version)
            .arg(p.restarts > 0 ? QStringLiteral(", %1 restart(s)").arg(p.restarts) : QString());
    }
    return QStringLiteral("NOT RUNNING (%1)").arg(q(nlohmann::json(p.state).get<std::string>()));
}

}  // namespace

int deployCommand(CtlContext& c) {
    if (c.args.words.size() != 2) return usage(c.err, QStringLiteral("deploy: expected deploy HOST."));
    int exitCode = kExitOk;
    // Reconnecting on: an upgrade restarts the daemon and the session must follow it.
    auto host = openHost(c, c.args.words[1], exitCode, /*allowMissingAgent=*/true, /*reconnect=*/true);
    if (!host) return exitCode;
    InstallOptions options;
    options.force = c.args.force;
    AgentDeployer deployer(&host->session(), options);
    deployer.setConnectTimeout(std::chrono::seconds(std::max(c.args.timeoutSeconds, 30)));
    int lastPercent = -1;
    QString lastStep;
    QObject::connect(&deployer, &AgentDeployer::progress, [&](int percent, const QString& step) {
        if (c.args.json || (step == lastStep && percent - lastPercent < 10)) return;
        c.err << QStringLiteral("[%1%] ").arg(percent, 3) << step << "\n";
        c.err.flush();
        lastPercent = percent;
        lastStep = step;
    });
    std::optional<std::pair<bool, QString>> result;
    QObject::connect(&deployer, &AgentDeployer::finished, [&](bool ok, const QString& message) { result = {ok, message}; });
    deployer.start();
    waitFor([&] { return result.has_value(); }, std::chrono::minutes(10));
    if (!result) {
        c.err << "fulcrum-ctl: deploy did not finish within 10 minutes.\n";
        return kExitFailed;
    }
    if (c.args.json) {
        const auto& r = deployer.report();
        printJson(c.out, {{"ok", result->first},
                          {"message", result->second.toStdString()},
                          {"path", r.remotePath.toStdString()},
                          {"sha256", r.sha256.toStdString()},
                          {"previous_version", r.previousVersion.toStdString()},
                          {"installed_version", r.installedVersion.toStdString()},
                          {"uploaded", r.uploaded}});
    } else if (result->first) {
        c.out << result->second << "\n";
    }
    if (!result->first) {
        c.err << "fulcrum-ctl: " << result->second << "\n";
        return kExitFailed;
    }
    return kExitOk;
}

int statusCommand(CtlContext& c) {
    if (c.args.words.size() != 2) return usage(c.err, QStringLiteral("status: expected status HOST."));
    int exitCode = kExitOk;
    auto host = openHost(c, c.args.words[1], exitCode);
    if (!host) return exitCode;
    const auto& agent = *host->session().agent();
    const auto facts = host->call<method::HostFactsGet>({});
    const auto boot = host->call<method::BootStatusGet>({});
    const auto workers = host->call<method::WorkersList>({});
    const auto proxy = host->call<method::ProxyStatusGet>({});
    const auto config = host->call<method::ConfigGet>({});

    if (c.args.json) {
        auto part = [](const auto& outcome) -> nlohmann::json {
            if (outcome.ok()) return nlohmann::json(outcome.value());
            return {{"error", {{"code", outcome.error().code}, {"message", outcome.error().message}}}};
        };
        const HostEndpoint& endpoint = host->session().endpoint();
        printJson(c.out, {{"host", host->session().displayName().toStdString()},
                          {"target", endpoint.isLocal() ? std::string() : endpoint.ssh.displayName().toStdString()},
                          {"agent", nlohmann::json(agent)},
                          {"facts", part(facts)},
                          {"boot", part(boot)},
                          {"workers", part(workers)},
                          {"proxy", part(proxy)},
                          {"config", config.ok() ? nlohmann::json{{"version", config.value().version},
                                                                  {"pools", config.value().document.value("pools", nlohmann::json::array())}}
                                                 : part(config)}});
        return kExitOk;
    }
    auto unavailable = [](const protocol::Error& e) {
        return e.is(protocol::ErrorCode::MethodNotFound) ? QStringLiteral("not offered by this agent version")
                                                          : q(e.message);
    };
    QTextStream& o = c.out;
    const qint64 nowS = QDateTime::currentSecsSinceEpoch();
    o << "Host:     " << host->session().displayName();
    if (const QString resolved = host->session().endpoint().resolvedName(); !resolved.isEmpty()) o << " (" << resolved << ")";
    o << "\n";
    o << "Agent:    fulcrum-agent " << q(agent.agent_version) << ", pid " << agent.daemon_pid << ", started by "
      << q(agent.started_by) << ", up " << duration(double(nowS - agent.daemon_started_at_ms / 1000)) << "\n";
    if (facts.ok()) {
        const auto& f = facts.value();
        o << "Machine:  " << q(f.hostname) << ", " << q(f.os_name) << ", kernel " << q(f.kernel) << " (" << q(f.arch) << "), "
          << f.cores << " cores, " << QString::number(double(f.memory_bytes) / double(1 << 30), 'f', 1) << " GiB, up "
          << duration(double(f.uptime_s)) << "\n";
    } else {
        o << "Machine:  " << unavailable(facts.error()) << "\n";
    }
    if (boot.ok()) {
        o << "Boot:     " << q(boot.value().summary) << (boot.value().will_start_on_boot ? "" : "  (WILL NOT START ON BOOT)") << "\n";
        for (const auto& p : boot.value().problems) o << "          - " << q(p) << "\n";
        if (!boot.value().fix.empty()) o << "          fix: " << q(boot.value().fix) << "\n";
    } else {
        o << "Boot:     " << unavailable(boot.error()) << "\n";
    }
    if (workers.ok()) {
        if (workers.value().groups.empty()) o << "Workers:  none\n";
        for (const auto& g : workers.value().groups) {
            int running = 0;
            for (const auto& i : g.instances) running += i.state == protocol::InstanceState::running;
            o << "Workers:  " << q(g.name) << " " << q(nlohmann::json(g.state).get<std::string>()) << " " << running << "/"
              << g.desired_count << " running";
            if (!g.failing_reason.empty()) o << " — " << q(g.failing_reason);
            o << "\n";
        }
    } else {
        o << "Workers:  " << unavailable(workers.error()) << "\n";
    }
    if (proxy.ok()) {
        o << "Proxy:    " << proxyLine(proxy.value(), QDateTime::currentMSecsSinceEpoch()) << "\n";
        if (!proxy.value().failing_reason.empty()) o << "          " << q(proxy.value().failing_reason) << "\n";
    } else {
        o << "Proxy:    " << unavailable(proxy.error()) << "\n";
    }
    if (config.ok()) {
        const auto pools = config.value().document.value("pools", nlohmann::json::array());
        if (!pools.is_array() || pools.empty()) o << "Pools:    none\n";
        for (const auto& pool : pools) {
            if (!pool.is_object()) continue;
            o << "Pools:    " << q(pool.value("name", std::string("?"))) << " (" << q(pool.value("balance", std::string("round_robin")))
              << ")";
            for (const auto& s : pool.value("servers", nlohmann::json::array())) {
                if (!s.is_object()) continue;
                o << "  " << q(s.value("address", std::string("?"))) << " " << q(s.value("state", std::string("active")))
                  << " w" << s.value("weight", 1);
            }
            o << "\n";
        }
    } else {
        o << "Pools:    " << unavailable(config.error()) << "\n";
    }
    return kExitOk;
}

}  // namespace fulcrum::app::ctl
