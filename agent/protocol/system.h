#pragma once
// boot.*, agent.upgrade, proxy.status and subscription.cancel.

#include "agent/protocol/json_fields.h"
#include "agent/protocol/workers.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::protocol {

enum class BootMechanism { none, systemd_system, systemd_user, cron };
NLOHMANN_JSON_SERIALIZE_ENUM(BootMechanism, {{BootMechanism::none, "none"},
                                             {BootMechanism::systemd_system, "systemd-system"},
                                             {BootMechanism::systemd_user, "systemd-user"},
                                             {BootMechanism::cron, "cron"}})

struct BootStatusParams {
    bool operator==(const BootStatusParams&) const = default;
};
FULCRUM_PROTOCOL_JSON_EMPTY(BootStatusParams)

struct BootStatus {
    BootMechanism installed = BootMechanism::none;    // what is in place now
    BootMechanism recommended = BootMechanism::none;  // what boot.install would choose here
    bool will_start_on_boot = false;
    std::string summary;                // plain words: "The agent starts at boot from a systemd user unit."
    std::vector<std::string> problems;  // why it will not come back, if it will not
    std::string fix;                    // what to do about it, in words or as a command
    std::string unit_path;              // the unit file or crontab line installed, if any
    bool operator==(const BootStatus&) const = default;
};
FULCRUM_PROTOCOL_JSON(BootStatus, installed, recommended, will_start_on_boot, summary, problems, fix, unit_path)

struct BootInstallParams {
    std::optional<BootMechanism> mechanism;  // absent: the recommended one
    bool operator==(const BootInstallParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(BootInstallParams, mechanism)

struct AgentUpgradeParams {
    std::string binary_path;  // already uploaded next to the running binary
    std::string sha256;       // hex; the agent verifies it before switching
    bool operator==(const AgentUpgradeParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(AgentUpgradeParams, binary_path, sha256)

struct AgentUpgradeResult {
    std::string old_version;
    std::string new_version;
    // The daemon re-executes after answering; the connection then closes and the panel
    // reconnects and sends agent.hello again. Workers and the proxy keep running.
    bool restarting = false;
    bool operator==(const AgentUpgradeResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(AgentUpgradeResult, old_version, new_version, restarting)

struct ProxyStatusParams {
    bool operator==(const ProxyStatusParams&) const = default;
};
FULCRUM_PROTOCOL_JSON_EMPTY(ProxyStatusParams)

struct ProxyStatus {
    bool configured = false;  // the config has listeners, so the proxy should run
    bool running = false;
    std::int64_t pid = 0;
    double uptime_s = 0;
    int restarts = 0;
    std::int64_t config_version = 0;  // the version the running proxy has loaded
    std::optional<std::string> last_exit;
    // Like a worker instance's: starting (admin socket not answering yet), running, backoff
    // (next_restart_at_ms), failing (exited too often right after starting; not restarted
    // until the next config.apply), stopping, stopped.
    InstanceState state = InstanceState::stopped;
    std::optional<std::int64_t> next_restart_at_ms;
    std::string failing_reason;  // in words, with the proxy's last error line and what to do
    bool operator==(const ProxyStatus&) const = default;
};
FULCRUM_PROTOCOL_JSON(ProxyStatus, configured, running, pid, uptime_s, restarts, config_version, last_exit, state,
                      next_restart_at_ms, failing_reason)

struct ProxyChanged {
    ProxyStatus proxy;
    bool operator==(const ProxyChanged&) const = default;
};
FULCRUM_PROTOCOL_JSON(ProxyChanged, proxy)

struct OkResult {
    bool ok = true;
    bool operator==(const OkResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(OkResult, ok)

}  // namespace fulcrum::protocol
