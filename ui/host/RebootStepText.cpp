#include "ui/host/RebootStepText.h"

#include <QCoreApplication>

namespace fulcrum::ui::reboot_text {

using Step = app::RebootVerifier::Step;

namespace {
QString tr(const char* text) { return QCoreApplication::translate("RebootController", text); }
}  // namespace

QString key(Step step) {
    switch (step) {
    case Step::Preflight: return QStringLiteral("preflight");
    case Step::RecordBootId: return QStringLiteral("bootId");
    case Step::IssueReboot: return QStringLiteral("issue");
    case Step::HostDown: return QStringLiteral("down");
    case Step::HostUp: return QStringLiteral("up");
    case Step::NewBootId: return QStringLiteral("newBootId");
    case Step::AgentFromBoot: return QStringLiteral("agentFromBoot");
    case Step::WorkersHealthy: return QStringLiteral("workers");
    case Step::ListenersBound: return QStringLiteral("listeners");
    case Step::UpstreamsReachable: return QStringLiteral("upstreams");
    case Step::Stability: return QStringLiteral("stability");
    case Step::Count: break;
    }
    return QStringLiteral("step");
}

QString purpose(Step step) {
    switch (step) {
    case Step::Preflight: return tr("Will the agent start by itself at boot? Are there edits not applied yet?");
    case Step::RecordBootId: return tr("The boot id, the running workers and the config, to compare afterwards");
    case Step::IssueReboot: return tr("The reboot command, run on the host over SSH");
    case Step::HostDown: return tr("The connection drops");
    case Step::HostUp: return tr("SSH and the agent answer again");
    case Step::NewBootId: return tr("The machine really rebooted, not just the network");
    case Step::AgentFromBoot: return tr("The agent was started by boot persistence, not by Fulcrum connecting");
    case Step::WorkersHealthy: return tr("Every worker group that ran before runs again and passes its health check");
    case Step::ListenersBound: return tr("This computer can connect to every proxy listener");
    case Step::UpstreamsReachable: return tr("Requests through the proxy reach every active upstream server");
    case Step::Stability: return tr("Workers and proxy stay healthy for the stability window");
    case Step::Count: break;
    }
    return {};
}

QString running(Step step, const app::RebootOptions& options) {
    switch (step) {
    case Step::Preflight: return tr("Asking the agent whether it starts by itself at boot…");
    case Step::RecordBootId: return tr("Reading the boot id, the running workers and the config…");
    case Step::IssueReboot: return tr("Running %1…").arg(options.rebootCommand);
    case Step::HostDown: return tr("Waiting for the host to go down…");
    case Step::HostUp: return tr("Waiting for SSH and the agent to answer again…");
    case Step::NewBootId: return tr("Comparing the boot id with the one before…");
    case Step::AgentFromBoot: return tr("Asking the agent how it was started…");
    case Step::WorkersHealthy: return tr("Waiting for every worker to run and pass its health check…");
    case Step::ListenersBound: return tr("Connecting to every proxy listener from this computer…");
    case Step::UpstreamsReachable: return tr("Sending requests through the proxy to every upstream…");
    case Step::Stability:
        return tr("Watching workers and proxy stay healthy for %1 s…").arg(options.stability.count() / 1000);
    case Step::Count: break;
    }
    return {};
}

QString advice(Step step, const QString& why) {
    if (why.startsWith(QLatin1String("cancelled")))
        return tr("You stopped the checks. If the reboot command had already run, the host may still be coming "
                  "back: its state shows in the host list.");
    switch (step) {
    case Step::Preflight:
        if (why.contains(QLatin1String("not connected")))
            return tr("Connect to the host first, then start again.");
        return tr("Fix what the preflight found (Overview shows the boot persistence and can install it), or confirm "
                  "to reboot anyway.");
    case Step::RecordBootId:
        return tr("The agent did not answer as expected before the reboot; nothing was rebooted. Check the host's "
                  "Overview, update the agent if it is old, and try again.");
    case Step::IssueReboot:
        return tr("The reboot command did not reboot the host. Run it yourself over SSH to see why. The default "
                  "needs a sudo rule such as “USER ALL=(root) NOPASSWD: /usr/bin/systemctl reboot”; or change "
                  "the command on the left.");
    case Step::HostDown:
        return tr("The connection never dropped: the command ran but the host did not go down. Check that the "
                  "command really reboots this machine (a container or a sudo prompt can swallow it).");
    case Step::HostUp:
        return tr("The host went down but SSH and the agent did not answer again in time. Check the machine's "
                  "console or your provider's panel: it may be stuck in boot, or its network did not come up.");
    case Step::NewBootId:
        return tr("Only the connection dropped; the machine did not reboot. Check the reboot command.");
    case Step::AgentFromBoot:
        return tr("After a real reboot nothing would start the agent, so workers and the proxy would stay down "
                  "until someone connects. Install boot persistence on the Overview (Fix), then verify again.");
    case Step::WorkersHealthy:
        return tr("Read the worker's last log lines in the evidence below and on the Workers page: a missing "
                  "dependency, a file under /tmp or a port taken at boot are common causes.");
    case Step::ListenersBound:
        return tr("The proxy did not accept connections on every listener. Another program may hold the port, "
                  "or a firewall blocks it from this computer; ports below 1024 need CAP_NET_BIND_SERVICE from "
                  "the boot unit.");
    case Step::UpstreamsReachable:
        return tr("Requests through the proxy did not reach every upstream server. Check the pool on the Pools "
                  "page: a server that did not come back, a wrong address, or a health check that fails.");
    case Step::Stability:
        return tr("Everything came back but did not stay healthy. A worker that crashes a while after start "
                  "shows its log lines in the evidence below.");
    case Step::Count: break;
    }
    return {};
}

QString firstLine(const QString& text, int max) {
    QString line = text.section(QLatin1Char('\n'), 0, 0).trimmed();
    if (line.size() > max) line = line.left(max - 1) + QStringLiteral("…");
    return line;
}

}  // namespace fulcrum::ui::reboot_text
