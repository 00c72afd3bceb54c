#pragma once
// fulcrum-ctl's way to a host: resolves HOST (local, a host-list name, a ~/.ssh/config alias
// or an OpenSSH destination), opens a HostSession and waits for it, and makes RPC calls
// synchronously with a bounded wait.

#include "app/ctl/ctl_args.h"
#include "app/inventory/inventory.h"
#include "app/rpc/host_session.h"

#include <QEventLoop>
#include <QTextStream>
#include <QTimer>

#include <memory>
#include <variant>

namespace fulcrum::app::ctl {

enum ExitCode {
    kExitOk = 0,
    kExitFailed = 1,
    kExitUsage = 2,
    kExitConnect = 3,
    kExitHostKey = 4,
    kExitRedVerdict = 5,     // reboot-verify ran and a step failed
    kExitPreflightStop = 6,  // reboot-verify: preflight warnings, not confirmed; nothing rebooted
};

// HOST → where to connect; an error text when it names nothing usable.
std::variant<HostEndpoint, QString> resolveHost(const QString& host, const CtlArgs& args, const Inventory* inventory);

// The exit code and message for a session that stopped in Error or Unreachable.
int reportSessionFailure(const HostSession& session, QTextStream& err);

class CtlHost {
public:
    CtlHost(HostEndpoint endpoint, std::shared_ptr<AuthPrompter> prompter, const CtlArgs& args, bool reconnect = false);

    // Connects and says agent.hello; kExitOk, or the failure's exit code after printing it.
    // With allowMissingAgent, a host without the agent (or with an incompatible one) is not
    // a failure: deploy goes on from there.
    int connect(QTextStream& err, bool allowMissingAgent = false);
    HostSession& session() { return *m_session; }

    template <class M>
    protocol::Outcome<typename M::Result> call(const typename M::Params& params) {
        std::optional<protocol::Outcome<typename M::Result>> result;
        QEventLoop loop;
        m_session->rpc()->call<M>(
            params, &loop,
            [&](protocol::Outcome<typename M::Result> outcome) {
                result = std::move(outcome);
                loop.quit();
            },
            m_timeout);
        if (!result) loop.exec();
        return std::move(*result);
    }

private:
    std::unique_ptr<HostSession> m_session;
    std::chrono::milliseconds m_timeout;
};

// Runs the event loop until done() or `timeout`; returns done().
bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout);

}  // namespace fulcrum::app::ctl
