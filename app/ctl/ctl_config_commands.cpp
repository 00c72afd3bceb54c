// fulcrum-ctl config … and pool …: the host's config document, through the agent.
#include "app/ctl/ctl_commands.h"
#include "app/ctl/ctl_output.h"

#include <QDateTime>
#include <QFile>

namespace fulcrum::app::ctl {
namespace {

namespace method = protocol::method;
constexpr qint64 kMaxConfigFileBytes = 4 * 1024 * 1024;

QString q(const std::string& s) { return QString::fromStdString(s); }

void printApplied(QTextStream& out, const protocol::ConfigApplyResult& r, bool json) {
    if (json) {
        printJson(out, nlohmann::json(r));
        return;
    }
    out << (r.changed ? QStringLiteral("Applied as version %1.").arg(r.version)
                      : QStringLiteral("No change: version %1 is the same document.").arg(r.version))
        << (r.proxy_reloaded ? " The proxy switched to it." : "") << "\n";
    if (!r.workers_changed.empty()) {
        QStringList groups;
        for (const auto& g : r.workers_changed) groups << q(g);
        out << "Workers changed: " << groups.join(QStringLiteral(", ")) << "\n";
    }
    for (const auto& note : r.notes) out << "Note: " << q(note) << "\n";
}

std::optional<std::string> readConfigFile(const QString& path, QTextStream& err) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        err << "fulcrum-ctl: cannot read " << path << ": " << file.errorString() << "\n";
        return std::nullopt;
    }
    if (file.size() > kMaxConfigFileBytes) {
        err << "fulcrum-ctl: " << path << " is larger than 4 MB.\n";
        return std::nullopt;
    }
    return file.read(kMaxConfigFileBytes).toStdString();
}

}  // namespace

int configCommand(CtlContext& c) {
    const QStringList& w = c.args.words;
    const QString sub = w.value(1);
    const bool known = (sub == QStringLiteral("get") && w.size() == 3) || (sub == QStringLiteral("history") && w.size() == 3) ||
                       ((sub == QStringLiteral("apply") || sub == QStringLiteral("validate")) && w.size() == 4) ||
                       (sub == QStringLiteral("rollback") && w.size() == 4);
    if (!known) {
        return usage(c.err, QStringLiteral("config: expected get HOST, validate HOST FILE, apply HOST FILE, history HOST "
                                           "or rollback HOST VERSION."));
    }
    std::optional<std::string> text;
    if (sub == QStringLiteral("apply") || sub == QStringLiteral("validate")) {
        text = readConfigFile(w[3], c.err);
        if (!text) return kExitUsage;
    }
    qint64 rollbackTo = 0;
    if (sub == QStringLiteral("rollback")) {
        bool ok = false;
        rollbackTo = w[3].toLongLong(&ok);
        if (!ok || rollbackTo < 1) return usage(c.err, QStringLiteral("config rollback: VERSION must be a version number."));
    }
    int exitCode = kExitOk;
    auto host = openHost(c, w[2], exitCode);
    if (!host) return exitCode;

    if (sub == QStringLiteral("get")) {
        protocol::ConfigGetParams params;
        params.version = c.args.version;
        const auto r = host->call<method::ConfigGet>(params);
        if (!r.ok()) return reportRpcError(r.error(), QStringLiteral("config get"), c.err);
        if (c.args.json) {
            printJson(c.out, nlohmann::json(r.value()));
        } else {
            c.out << (r.value().text.empty() ? q(r.value().document.dump(2)) : q(r.value().text));
            if (!r.value().text.empty() && r.value().text.back() != '\n') c.out << "\n";
        }
        return kExitOk;
    }
    if (sub == QStringLiteral("validate")) {
        protocol::ConfigValidateParams params;
        params.config.text = *text;
        const auto r = host->call<method::ConfigValidate>(params);
        if (!r.ok()) return reportRpcError(r.error(), QStringLiteral("config validate"), c.err);
        if (c.args.json) printJson(c.out, nlohmann::json(r.value()));
        if (r.value().valid) {
            if (!c.args.json) c.out << w[3] << ": valid.\n";
            return kExitOk;
        }
        for (const auto& e : r.value().errors) {
            c.err << w[3];
            if (e.line > 0) c.err << ":" << e.line << ":" << e.column;
            c.err << ": " << q(e.path) << ": " << q(e.message) << "\n";
        }
        return kExitFailed;
    }
    if (sub == QStringLiteral("apply")) {
        protocol::ConfigApplyParams params;
        params.config.text = *text;
        params.comment = c.args.comment.isEmpty() ? QStringLiteral("fulcrum-ctl config apply %1").arg(w[3]).toStdString()
                                                  : c.args.comment.toStdString();
        const auto r = host->call<method::ConfigApply>(params);
        if (!r.ok()) return reportRpcError(r.error(), QStringLiteral("config apply %1 refused").arg(w[3]), c.err);
        printApplied(c.out, r.value(), c.args.json);
        return kExitOk;
    }
    if (sub == QStringLiteral("history")) {
        const auto r = host->call<method::ConfigHistory>({});
        if (!r.ok()) return reportRpcError(r.error(), QStringLiteral("config history"), c.err);
        if (c.args.json) {
            printJson(c.out, nlohmann::json(r.value()));
            return kExitOk;
        }
        for (const auto& e : r.value().entries) {
            c.out << (e.version == r.value().current_version ? "* " : "  ") << qSetFieldWidth(5) << Qt::right << e.version
                  << qSetFieldWidth(0) << "  "
                  << QDateTime::fromMSecsSinceEpoch(e.applied_at_ms).toString(Qt::ISODate) << "  " << q(e.comment) << "\n";
        }
        return kExitOk;
    }
    protocol::ConfigRollbackParams params;
    params.version = rollbackTo;
    const auto r = host->call<method::ConfigRollback>(params);
    if (!r.ok()) return reportRpcError(r.error(), QStringLiteral("config rollback to %1").arg(rollbackTo), c.err);
    printApplied(c.out, r.value(), c.args.json);
    return kExitOk;
}

int poolCommand(CtlContext& c) {
    const QStringList& w = c.args.words;
    const QString sub = w.value(1);
    const bool list = sub == QStringLiteral("list") && w.size() == 3;
    const bool setServer = sub == QStringLiteral("set-server") && w.size() == 5;
    if (!list && !setServer) {
        return usage(c.err, QStringLiteral("pool: expected list HOST or set-server HOST POOL ADDRESS [--state S] [--weight W]."));
    }
    if (setServer && c.args.state.isEmpty() && !c.args.weight) {
        return usage(c.err, QStringLiteral("pool set-server: give --state and/or --weight."));
    }
    int exitCode = kExitOk;
    auto host = openHost(c, w[2], exitCode);
    if (!host) return exitCode;
    const auto current = host->call<method::ConfigGet>({});
    if (!current.ok()) return reportRpcError(current.error(), QStringLiteral("config get"), c.err);
    nlohmann::json document = current.value().document;
    nlohmann::json& pools = document["pools"];
    if (!pools.is_array()) pools = nlohmann::json::array();
    if (list) {
        if (c.args.json) {
            printJson(c.out, pools);
            return kExitOk;
        }
        for (const auto& pool : pools) {
            if (!pool.is_object()) continue;
            c.out << q(pool.value("name", std::string("?"))) << " (" << q(pool.value("balance", std::string("round_robin"))) << ")\n";
            for (const auto& s : pool.value("servers", nlohmann::json::array())) {
                if (!s.is_object()) continue;
                c.out << "  " << q(s.value("address", std::string("?"))) << "  " << q(s.value("state", std::string("active")))
                      << "  weight " << s.value("weight", 1) << (s.value("backup", false) ? "  backup" : "") << "\n";
            }
        }
        return kExitOk;
    }
    const std::string poolName = w[3].toStdString(), address = w[4].toStdString();
    QStringList poolNames;
    for (auto& pool : pools) {
        if (!pool.is_object()) continue;
        poolNames << q(pool.value("name", std::string()));
        if (pool.value("name", std::string()) != poolName) continue;
        if (pool.contains("follow_workers")) {
            c.err << "fulcrum-ctl: pool " << w[3] << " follows worker group "
                  << q(pool.value("follow_workers", std::string())) << "; its servers come from the workers.\n";
            return kExitFailed;
        }
        for (auto& server : pool["servers"]) {
            if (!server.is_object() || server.value("address", std::string()) != address) continue;
            if (!c.args.state.isEmpty()) server["state"] = c.args.state.toStdString();
            if (c.args.weight) server["weight"] = *c.args.weight;
            protocol::ConfigApplyParams params;
            params.config.document = document;
            params.expected_version = current.value().version;  // refuse if someone changed it meanwhile
            params.comment = QStringLiteral("fulcrum-ctl pool set-server %1 %2%3%4")
                                 .arg(w[3], w[4],
                                      c.args.state.isEmpty() ? QString() : QStringLiteral(" state=") + c.args.state,
                                      c.args.weight ? QStringLiteral(" weight=%1").arg(*c.args.weight) : QString())
                                 .toStdString();
            const auto r = host->call<method::ConfigApply>(params);
            if (!r.ok()) return reportRpcError(r.error(), QStringLiteral("pool set-server refused"), c.err);
            printApplied(c.out, r.value(), c.args.json);
            return kExitOk;
        }
        c.err << "fulcrum-ctl: pool " << w[3] << " has no server " << w[4] << ".\n";
        return kExitFailed;
    }
    c.err << "fulcrum-ctl: no pool " << w[3] << " on " << host->session().displayName() << " (pools: "
          << (poolNames.isEmpty() ? QStringLiteral("none") : poolNames.join(QStringLiteral(", "))) << ").\n";
    return kExitFailed;
}

}  // namespace fulcrum::app::ctl
