#include "app/ctl/ctl_output.h"

#include "app/rpc/rpc_client.h"

namespace fulcrum::app::ctl {

int reportRpcError(const protocol::Error& error, const QString& what, QTextStream& err) {
    err << "fulcrum-ctl: " << what << ": " << QString::fromStdString(error.message) << "\n";
    if (error.is(protocol::ErrorCode::MethodNotFound)) {
        err << "The agent on this host does not offer this yet; deploy a newer agent (fulcrum-ctl deploy HOST).\n";
    }
    if (error.data.is_object() && error.data.contains("errors") && error.data["errors"].is_array()) {
        int shown = 0;
        for (const auto& e : error.data["errors"]) {
            if (!e.is_object() || ++shown > 200) break;
            const std::string path = e.value("path", std::string());
            const int line = e.value("line", 0), column = e.value("column", 0);
            err << "  " << QString::fromStdString(path);
            if (line > 0) err << " (line " << line << ", column " << column << ")";
            err << ": " << QString::fromStdString(e.value("message", std::string())) << "\n";
        }
    }
    return RpcClient::isConnectionLost(error) || RpcClient::isTimeout(error) ? kExitConnect : kExitFailed;
}

int usage(QTextStream& err, const QString& reason) {
    err << "fulcrum-ctl: " << reason << "\n" << kCtlUsage;
    return kExitUsage;
}

}  // namespace fulcrum::app::ctl

#include "app/ctl/ctl_commands.h"
#include "app/ctl/terminal_prompter.h"
#include "app/inventory/remembered_password.h"

namespace fulcrum::app::ctl {

void keychainStep(CtlContext& c, const std::function<void(QObject*, const std::function<void(const QString&)>&)>& start) {
    std::optional<QString> notice;
    QObject context;
    start(&context, [&](const QString& n) { notice = n; });
    if (!waitFor([&] { return notice.has_value(); }, std::chrono::seconds(30)))
        c.err << "fulcrum-ctl: the system keychain did not answer within 30 s; going on without it.\n";
    else if (!notice->isEmpty())
        c.err << "fulcrum-ctl: " << *notice << "\n";
}

std::unique_ptr<CtlHost> openHost(CtlContext& c, const QString& host, int& exitCode, bool allowMissingAgent, bool reconnect) {
    auto endpoint = resolveHost(host, c.args, c.inventory);
    if (auto* error = std::get_if<QString>(&endpoint)) {
        exitCode = usage(c.err, *error);
        return nullptr;
    }
    const HostEntry* entry = c.inventory ? c.inventory->find(host) : nullptr;
    const bool remembers = entry && entry->rememberPassword;
    auto prompter = std::make_shared<PresetPasswordPrompter>(std::make_shared<TerminalPrompter>());
    if (remembers) keychainStep(c, [&](QObject* context, const RememberedPassword::Done& done) {
        RememberedPassword::load(*entry, prompter, context, done);
    });
    auto ctlHost = std::make_unique<CtlHost>(std::get<HostEndpoint>(endpoint), prompter, c.args, reconnect);
    exitCode = ctlHost->connect(c.err, allowMissingAgent);
    // Logged in: a password typed now is remembered (kept for this run's reconnects anyway).
    using Problem = HostSession::Problem;
    const HostSession& session = ctlHost->session();
    const bool loggedIn = session.state() == HostSession::State::Connected || session.problem() == Problem::AgentMissing ||
                          session.problem() == Problem::AgentIncompatible;
    if (remembers && loggedIn) keychainStep(c, [&](QObject* context, const RememberedPassword::Done& done) {
        RememberedPassword::storeTyped(*entry, *prompter, context, done);
    });
    if (exitCode != kExitOk) return nullptr;
    return ctlHost;
}

}  // namespace fulcrum::app::ctl
