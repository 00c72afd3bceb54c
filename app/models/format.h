#pragma once
// Words and numbers as the panel shows them: durations, byte sizes, rates, and RPC errors in
// plain language (what failed and what to do), shared by the models and the pages.

#include "agent/protocol/jsonrpc.h"

#include <QString>

namespace fulcrum::app {

QString formatDuration(double seconds);   // "45 s", "12 min", "3 h 5 min", "4 days"
QString formatBytes(double bytes);        // "512 B", "3.4 MiB"
QString formatRate(double perSecond);     // "0", "12.5", "1.2 k"

// An agent's error as one sentence for a person. `what` names the operation
// ("Applying the configuration"). MethodNotFound means the agent predates the feature.
QString plainError(const QString& what, const protocol::Error& error);
// True when the agent on the other end simply does not implement the call (yet).
bool isNotAvailable(const protocol::Error& error);

}  // namespace fulcrum::app
