#pragma once
// Shared output helpers of the fulcrum-ctl commands.

#include "agent/protocol/jsonrpc.h"
#include "app/ctl/ctl_host.h"

#include <QTextStream>

#include <functional>

#include <nlohmann/json.hpp>

namespace fulcrum::app::ctl {

inline void printJson(QTextStream& out, const nlohmann::json& value) {
    out << QString::fromStdString(value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) << "\n";
}

// Prints an agent error (every validation error with its path and position) and returns
// kExitFailed, or kExitConnect when the connection was lost.
int reportRpcError(const protocol::Error& error, const QString& what, QTextStream& err);

// Usage error: prints the reason and the usage, returns kExitUsage.
int usage(QTextStream& err, const QString& reason);

}  // namespace fulcrum::app::ctl

namespace fulcrum::app::ctl {

struct CtlContext;

// One keychain job (RememberedPassword), waited for at most 30 s; what it has to say goes to
// stderr. The keychain never stops a command: without it the password is asked as usual.
void keychainStep(CtlContext& c, const std::function<void(QObject* context, const std::function<void(const QString&)>& done)>& start);

// Resolves and connects to HOST (a host with a remembered password gets it from the keychain
// first, and one typed now is remembered); on failure prints why and sets `exitCode`.
std::unique_ptr<CtlHost> openHost(CtlContext& c, const QString& host, int& exitCode, bool allowMissingAgent = false,
                                  bool reconnect = false);

}  // namespace fulcrum::app::ctl
