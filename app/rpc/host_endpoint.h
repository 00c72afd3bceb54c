#pragma once
// What a HostSession connects to: "This computer" (a local agent child, no SSH) or a host over
// SSH. Plain data.

#include "app/rpc/local_agent_transport.h"
#include "app/rpc/ssh_exec_transport.h"
#include "app/ssh/ssh_target.h"

#include <chrono>

namespace fulcrum::app {

struct HostEndpoint {
    enum class Kind { Local, Ssh };
    Kind kind = Kind::Local;
    SshTarget ssh;                // Kind::Ssh
    LocalAgentOptions local;      // Kind::Local
    QByteArray remoteRpcCommand = kDefaultRemoteRpcCommand;
    // What the user called the host ("web1", "deploy@web1"), for messages; empty: the resolved
    // user@host:port. Errors about the connection itself still name the resolved target.
    QString label;

    static HostEndpoint thisComputer(LocalAgentOptions options = {}) {
        HostEndpoint e;
        e.kind = Kind::Local;
        e.local = std::move(options);
        return e;
    }
    static HostEndpoint overSsh(SshTarget target) {
        HostEndpoint e;
        e.kind = Kind::Ssh;
        e.ssh = std::move(target);
        return e;
    }
    bool isLocal() const { return kind == Kind::Local; }
    QString displayName() const {
        if (isLocal()) return QStringLiteral("This computer");
        return label.isEmpty() ? ssh.displayName() : label;
    }
    // "deploy@10.0.0.5:2222" when that says more than displayName(), else empty.
    QString resolvedName() const {
        if (isLocal() || label.isEmpty() || label == ssh.displayName()) return {};
        return ssh.displayName();
    }
};

// How patient a session is. Defaults suit people; tests shorten them.
struct SessionTimings {
    std::chrono::milliseconds helloTimeout{15000};
    // Our own heartbeat: an agent.hello round trip when nothing was received for this long.
    // A missing answer within heartbeatTimeout counts as a dead connection.
    std::chrono::milliseconds heartbeatInterval{15000};
    std::chrono::milliseconds heartbeatTimeout{10000};
    // Reconnect after a lost connection: initial delay, doubled per failure up to max.
    std::chrono::milliseconds reconnectInitial{1000};
    std::chrono::milliseconds reconnectMax{30000};
    int unreachableAfterFailures = 2;  // then the state says Unreachable (still retrying)
    // While rebooting (setRebooting), how long the first connection after the host is back waits
    // for the agent its boot persistence starts, before starting one itself (capped at half of
    // helloTimeout). Without it, SSH answering before cron or systemd started the agent would
    // make the panel start it, and reboot-and-verify could not tell whether boot persistence works.
    std::chrono::milliseconds bootGrace{8000};
    bool reconnect = true;
};

}  // namespace fulcrum::app
