#pragma once
// agent.hello: the first call on every connection; exchanges versions and capabilities.

#include "agent/protocol/json_fields.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::protocol {

// Major changes break compatibility (a peer with another major is refused with
// IncompatibleVersion); minor changes only add optional fields, methods and notifications.
inline constexpr int kProtocolMajor = 1;
inline constexpr int kProtocolMinor = 0;

struct ProtocolVersion {
    int major = kProtocolMajor;
    int minor = kProtocolMinor;
    bool operator==(const ProtocolVersion&) const = default;
};
FULCRUM_PROTOCOL_JSON(ProtocolVersion, major, minor)

// Names of optional features, so a newer panel can tell what an older agent offers.
namespace capability {
inline constexpr const char* kWorkers = "workers";
inline constexpr const char* kProxy = "proxy";
inline constexpr const char* kMetrics = "metrics";
inline constexpr const char* kLogsFollow = "logs.follow";
inline constexpr const char* kBoot = "boot";
inline constexpr const char* kUpgrade = "upgrade";
inline constexpr const char* kTlsCertificates = "tls.certificates";
}  // namespace capability

struct HelloParams {
    std::string client_name;     // e.g. "fulcrum"
    std::string client_version;  // e.g. "0.1.0"
    ProtocolVersion protocol;
    std::vector<std::string> capabilities;
    bool operator==(const HelloParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(HelloParams, client_name, client_version, protocol, capabilities)

struct HelloResult {
    std::string agent_version;
    ProtocolVersion protocol;
    std::vector<std::string> capabilities;
    std::int64_t daemon_pid = 0;
    std::int64_t daemon_started_at_ms = 0;  // Unix time
    // How this daemon was started: "systemd-system", "systemd-user", "cron", "rpc", "manual".
    // Reboot-and-verify checks it to confirm that boot persistence brought the agent back.
    std::string started_by;
    std::string state_dir;
    bool operator==(const HelloResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(HelloResult, agent_version, protocol, capabilities, daemon_pid, daemon_started_at_ms,
                      started_by, state_dir)

// The message both sides show when majors differ; empty when they are compatible.
std::string incompatibility(const ProtocolVersion& agent, const ProtocolVersion& client);

}  // namespace fulcrum::protocol
