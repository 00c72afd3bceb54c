// fulcrum-ctl config … and pool …: the host's config document, through the agent.
#include "app/ctl/ctl_commands.h"
#include "app/ctl/ctl_output.h"

#include <QDateTime>
#include <QFile>

#include <functional>

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

namespace {

// What a pool subcommand does to the servers of one pool; "" or why it cannot.
using ServerEdit = std::function<QString(nlohmann::json& servers)>;

nlohmann::json* findServer(nlohmann::json& servers, const std::string& address) {
    for (auto& server : servers) {
        if (server.is_object() && server.value("address", std::string()) == address) return &server;
    }
    return nullptr;
}

void listPools(CtlContext& c, const nlohmann::json& pools) {
    if (c.args.json) {
        printJson(c.out, pools);
        return;
    }
    for (const auto& pool : pools) {
        if (!pool.is_object()) continue;
        c.out << q(pool.value("name", std::string("?"))) << " (" << q(pool.value("balance", std::string("round_robin"))) << ")";
        if (pool.contains("follow_workers")) c.out << " follows workers " << q(pool.value("follow_workers", std::string()));
        c.out << "\n";
        for (const auto& s : pool.value("servers", nlohmann::json::array())) {
            if (!s.is_object()) continue;
            c.out << "  " << q(s.value("address", std::string("?"))) << "  " << q(s.value("state", std::string("active")))
                  << "  weight " << s.value("weight", 1) << (s.value("backup", false) ? "  backup" : "") << "\n";
        }
    }
}

}  // namespace

// pool list|add|remove|drain|enable|disable|weight|set-server: one config.apply each, with
// expected_version so an edit made meanwhile by someone else is never overwritten.
int poolCommand(CtlContext& c) {
    const QStringList& w = c.args.words;
    const QString sub = w.value(1);
    const QString expected = QStringLiteral(
        "pool: expected list HOST, add|remove|drain|enable|disable HOST POOL ADDRESS, weight HOST POOL ADDRESS N, "
        "or set-server HOST POOL ADDRESS [--state S] [--weight W].");
    const bool list = sub == QStringLiteral("list") && w.size() == 3;
    const QStringList fiveWords{QStringLiteral("add"), QStringLiteral("remove"), QStringLiteral("drain"), QStringLiteral("enable"),
                                QStringLiteral("disable"), QStringLiteral("set-server")};
    if (!list && !(fiveWords.contains(sub) && w.size() == 5) && !(sub == QStringLiteral("weight") && w.size() == 6)) {
        return usage(c.err, expected);
    }
    if (sub == QStringLiteral("set-server") && c.args.state.isEmpty() && !c.args.weight) {
        return usage(c.err, QStringLiteral("pool set-server: give --state and/or --weight."));
    }
    std::optional<int> weight = c.args.weight;
    if (sub == QStringLiteral("weight")) {
        bool ok = false;
        const int n = w[5].toInt(&ok);
        if (!ok || n < 1 || n > 1000) return usage(c.err, QStringLiteral("pool weight: N must be 1 to 1000."));
        weight = n;
    }
    const std::string address = w.value(4).toStdString();
    ServerEdit edit;
    if (sub == QStringLiteral("add")) {
        edit = [&](nlohmann::json& servers) -> QString {
            if (findServer(servers, address)) return QStringLiteral("already has server %1").arg(w[4]);
            nlohmann::json server{{"address", address}};
            if (weight) server["weight"] = *weight;
            if (!c.args.state.isEmpty()) server["state"] = c.args.state.toStdString();
            servers.push_back(server);
            return {};
        };
    } else if (sub == QStringLiteral("remove")) {
        edit = [&](nlohmann::json& servers) -> QString {
            for (auto it = servers.begin(); it != servers.end(); ++it) {
                if (it->is_object() && it->value("address", std::string()) == address) {
                    servers.erase(it);
                    return {};
                }
            }
            return QStringLiteral("has no server %1").arg(w[4]);
        };
    } else if (!list) {
        QString state = c.args.state;
        if (sub == QStringLiteral("drain")) state = QStringLiteral("draining");
        if (sub == QStringLiteral("enable")) state = QStringLiteral("active");
        if (sub == QStringLiteral("disable")) state = QStringLiteral("disabled");
        edit = [&, state](nlohmann::json& servers) -> QString {
            nlohmann::json* server = findServer(servers, address);
            if (!server) return QStringLiteral("has no server %1").arg(w[4]);
            if (!state.isEmpty()) (*server)["state"] = state.toStdString();
            if (weight) (*server)["weight"] = *weight;
            return {};
        };
    }

    int exitCode = kExitOk;
    auto host = openHost(c, w[2], exitCode);
    if (!host) return exitCode;
    const auto current = host->call<method::ConfigGet>({});
    if (!current.ok()) return reportRpcError(current.error(), QStringLiteral("config get"), c.err);
    nlohmann::json document = current.value().document;
    if (!document.is_object()) document = nlohmann::json::object();
    nlohmann::json& pools = document["pools"];
    if (!pools.is_array()) pools = nlohmann::json::array();
    if (list) {
        listPools(c, pools);
        return kExitOk;
    }
    const std::string poolName = w[3].toStdString();
    QStringList poolNames;
    for (auto& pool : pools) {
        if (!pool.is_object()) continue;
        poolNames << q(pool.value("name", std::string()));
        if (pool.value("name", std::string()) != poolName) continue;
        if (pool.contains("follow_workers")) {
            c.err << "fulcrum-ctl: pool " << w[3] << " follows worker group " << q(pool.value("follow_workers", std::string()))
                  << "; its servers come from the workers (use fulcrum-ctl workers).\n";
            return kExitFailed;
        }
        nlohmann::json& servers = pool["servers"];
        if (!servers.is_array()) servers = nlohmann::json::array();
        if (const QString problem = edit(servers); !problem.isEmpty()) {
            c.err << "fulcrum-ctl: pool " << w[3] << " " << problem << ".\n";
            return kExitFailed;
        }
        protocol::ConfigApplyParams params;
        params.config.document = document;
        params.expected_version = current.value().version;  // refused if someone changed it meanwhile
        params.comment = (QStringLiteral("fulcrum-ctl pool ") + w.mid(1).join(QLatin1Char(' ')) +
                          (c.args.state.isEmpty() ? QString() : QStringLiteral(" --state ") + c.args.state) +
                          (c.args.weight ? QStringLiteral(" --weight %1").arg(*c.args.weight) : QString()))
                             .toStdString();
        const auto r = host->call<method::ConfigApply>(params);
        if (!r.ok()) return reportRpcError(r.error(), QStringLiteral("pool %1 refused").arg(sub), c.err);
        printApplied(c.out, r.value(), c.args.json);
        return kExitOk;
    }
    c.err << "fulcrum-ctl: no pool " << w[3] << " on " << host->session().displayName() << " (pools: "
          << (poolNames.isEmpty() ? QStringLiteral("none") : poolNames.join(QStringLiteral(", "))) << ").\n";
    return kExitFailed;
}

}  // namespace fulcrum::app::ctl
