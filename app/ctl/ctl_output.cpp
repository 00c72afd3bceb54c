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

namespace fulcrum::app::ctl {

std::unique_ptr<CtlHost> openHost(CtlContext& c, const QString& host, int& exitCode, bool allowMissingAgent, bool reconnect) {
    auto endpoint = resolveHost(host, c.args, c.inventory);
    if (auto* error = std::get_if<QString>(&endpoint)) {
        exitCode = usage(c.err, *error);
        return nullptr;
    }
    auto ctlHost = std::make_unique<CtlHost>(std::get<HostEndpoint>(endpoint), std::make_shared<TerminalPrompter>(), c.args,
                                             reconnect);
    exitCode = ctlHost->connect(c.err, allowMissingAgent);
    if (exitCode != kExitOk) return nullptr;
    return ctlHost;
}

}  // namespace fulcrum::app::ctl
