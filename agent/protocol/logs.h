#pragma once
// logs.*: stdout/stderr of workers and the proxy, stored in rotating files by the agent.

#include "agent/protocol/json_fields.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::protocol {

inline constexpr int kMaxTailLines = 10000;

// Where lines come from: a worker instance ("group" + "index") or the proxy (group "proxy",
// no index). Without index, lines of every instance of the group are merged by time.
struct LogSource {
    std::string group;
    std::optional<int> index;
    bool operator==(const LogSource&) const = default;
};
FULCRUM_PROTOCOL_JSON(LogSource, group, index)

struct LogLine {
    std::int64_t time_ms = 0;  // agent events: when they happened; output: see PROTOCOL.md "Logs"
    std::string group;
    std::optional<int> index;
    std::string stream;  // "stdout", "stderr" or "agent" (supervisor events: started, exited)
    std::string text;    // without the newline; invalid UTF-8 replaced
    bool operator==(const LogLine&) const = default;
};
FULCRUM_PROTOCOL_JSON(LogLine, time_ms, group, index, stream, text)

struct LogsTailParams {
    LogSource source;
    int lines = 200;  // at most kMaxTailLines
    bool operator==(const LogsTailParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(LogsTailParams, source, lines)

struct LogsTailResult {
    std::vector<LogLine> lines;  // oldest first
    bool truncated = false;      // older lines exist beyond the requested count
    bool operator==(const LogsTailResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(LogsTailResult, lines, truncated)

// Streams new lines as logs.line notifications until subscription.cancel or disconnect.
struct LogsFollowParams {
    LogSource source;
    int tail = 0;  // lines of history sent first as logs.line
    bool operator==(const LogsFollowParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(LogsFollowParams, source, tail)

struct Subscription {
    std::int64_t subscription = 0;
    bool operator==(const Subscription&) const = default;
};
FULCRUM_PROTOCOL_JSON(Subscription, subscription)

struct LogsLineNotification {
    std::int64_t subscription = 0;
    LogLine line;
    bool operator==(const LogsLineNotification&) const = default;
};
FULCRUM_PROTOCOL_JSON(LogsLineNotification, subscription, line)

struct CancelResult {
    bool cancelled = false;
    bool operator==(const CancelResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(CancelResult, cancelled)

}  // namespace fulcrum::protocol
