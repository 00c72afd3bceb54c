#pragma once
// boot.status / boot.install: how the agent comes back after a reboot. In order of
// preference: a systemd system unit (User=, CAP_NET_BIND_SERVICE; needs passwordless sudo),
// a systemd user unit with lingering (needs systemd as PID 1), a crontab @reboot line.
// Runs short external commands (systemctl, loginctl, crontab, sudo -n) with hard time
// limits; only when a person asks (see PRINCIPLES.md, "What may block").

#include "agent/protocol/system.h"

#include <filesystem>
#include <string>

namespace fulcrum::agent {

struct BootContext {
    std::string executable;           // the agent binary the boot entry runs
    std::filesystem::path state_dir;  // passed as --state-dir
    std::string user;
    std::filesystem::path home;
};

class BootPersistence {
public:
    explicit BootPersistence(BootContext context) : m_ctx(std::move(context)) {}

    protocol::BootStatus status() const;
    // Installs the mechanism (or the recommended one); the status afterwards, or an error.
    protocol::BootStatus install(std::optional<protocol::BootMechanism> mechanism, std::string& error) const;

    // The texts written, public for tests (and `systemd-analyze verify`).
    std::string system_unit() const;
    std::string user_unit() const;
    std::string cron_line() const;
    std::string cron_marker() const;
    std::string system_unit_name() const { return "fulcrum-agent-" + m_ctx.user + ".service"; }
    std::filesystem::path user_unit_path() const {
        return m_ctx.home / ".config" / "systemd" / "user" / "fulcrum-agent.service";
    }

private:
    std::string daemon_command(const std::string& started_by) const;
    std::string read_crontab() const;

    BootContext m_ctx;
};

// True when systemd runs as PID 1 (units can be used at all).
bool systemd_is_init();
// True when a cron daemon (cron/crond) is running.
bool cron_daemon_running();

}  // namespace fulcrum::agent
