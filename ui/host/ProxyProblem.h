#pragma once
// The words for a proxy that should run and does not: the agent's proxy.status (state,
// restarts, last exit) plus the last line the proxy wrote on stderr, turned into what every
// page shows — a title, what the proxy said, and what to do. One list, so the Overview, the
// pools table and the traffic charts never describe the same failure differently.

#include "agent/protocol/logs.h"
#include "agent/protocol/system.h"

#include <QString>

#include <optional>

namespace fulcrum::ui {

struct ProxyProblem {
    bool failing = false;  // the agent gave up restarting it: only a new apply starts it
    QString title;         // one sentence: what is wrong
    QString details;       // what the proxy said, and what to do
};

// nullopt while the proxy runs (or starts, or stops on purpose) or has nothing to serve.
// `lastError` is the proxy's last stderr line ("cannot listen on 127.0.0.1:80: Address already
// in use"), empty when unknown.
std::optional<ProxyProblem> proxyProblem(const protocol::ProxyStatus& status, const QString& lastError);

// The Overview's "Proxy" row: "running · 2 listeners", "FAILING — stopped restarting", ...
QString proxyStateText(const protocol::ProxyStatus& status, int listeners);

// The last line the proxy itself wrote on stderr (not the agent's own notes about it) in a
// logs.tail answer, cut to a readable length; empty when there is none.
QString lastProxyErrorLine(const protocol::LogsTailResult& tail);

}  // namespace fulcrum::ui
