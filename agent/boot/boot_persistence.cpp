#include "agent/boot/boot_persistence.h"

#include "agent/daemon/host_facts.h"
#include "agent/util/files.h"
#include "agent/util/run_command.h"

#include <unistd.h>

#include <sstream>

namespace fulcrum::agent {

namespace fs = std::filesystem;
using protocol::BootMechanism;
using namespace std::chrono_literals;

namespace {

std::string shell_quote(const std::string& text) {
    if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-=") ==
                             std::string::npos)
        return text;
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string mechanism_name(BootMechanism mechanism) { return nlohmann::json(mechanism).get<std::string>(); }

}  // namespace

bool systemd_is_init() {
    std::error_code ignored;
    return fs::is_directory("/run/systemd/system", ignored);
}

bool cron_daemon_running() {
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator("/proc", ignored)) {
        const auto name = read_small_file(entry.path() / "comm", 256).value_or("");
        if (name == "cron\n" || name == "crond\n") return true;
    }
    return false;
}

std::string BootPersistence::daemon_command(const std::string& started_by) const {
    std::string command = shell_quote(m_ctx.executable) + " daemon --started-by " + started_by + " --state-dir " +
                          shell_quote(m_ctx.state_dir.string());
    if (::geteuid() == 0) command += " --allow-root";
    return command;
}

std::string BootPersistence::system_unit() const {
    return "[Unit]\n"
           "Description=Fulcrum agent for " + m_ctx.user + " (workers and reverse proxy)\n"
           "After=network-online.target\nWants=network-online.target\n\n"
           "[Service]\nType=simple\nUser=" + m_ctx.user + "\n"
           "ExecStart=" + daemon_command("systemd-system") + "\n"
           "AmbientCapabilities=CAP_NET_BIND_SERVICE\n"
           // The daemon stops its workers itself on SIGTERM; if it crashes, they keep serving
           // and the restarted daemon adopts them, so systemd must not kill the rest of the cgroup.
           "KillMode=process\nRestart=on-failure\nRestartSec=2\n\n"
           "[Install]\nWantedBy=multi-user.target\n";
}

std::string BootPersistence::user_unit() const {
    return "[Unit]\nDescription=Fulcrum agent (workers and reverse proxy)\n\n"
           "[Service]\nType=simple\n"
           "ExecStart=" + daemon_command("systemd-user") + "\n"
           "KillMode=process\nRestart=on-failure\nRestartSec=2\n\n"
           "[Install]\nWantedBy=default.target\n";
}

std::string BootPersistence::cron_marker() const { return "# fulcrum-agent " + m_ctx.state_dir.string(); }

std::string BootPersistence::cron_line() const {
    return "@reboot " + daemon_command("cron") + " --detach " + cron_marker();
}

std::string BootPersistence::read_crontab() const {
    const auto listed = run_command({"crontab", "-l"}, 5s);
    return listed.ok() ? listed.output : std::string();  // "no crontab for USER" exits 1
}

protocol::BootStatus BootPersistence::status() const {
    protocol::BootStatus status;
    const bool systemd = systemd_is_init();
    const bool sudo = systemd && has_passwordless_sudo();
    const bool crontab = run_command({"crontab", "-V"}, 5s).started || fs::exists("/usr/bin/crontab");
    status.recommended = sudo ? BootMechanism::systemd_system
                         : systemd ? BootMechanism::systemd_user
                         : crontab ? BootMechanism::cron
                                   : BootMechanism::none;
    std::error_code ignored;
    const fs::path system_unit_path = fs::path("/etc/systemd/system") / system_unit_name();
    const std::string crontab_text = crontab ? read_crontab() : std::string();
    if (fs::exists(system_unit_path, ignored)) {
        status.installed = BootMechanism::systemd_system;
        status.unit_path = system_unit_path.string();
        const bool enabled = systemd && run_command({"systemctl", "is-enabled", system_unit_name()}, 5s).ok();
        status.will_start_on_boot = enabled;
        if (!systemd) status.problems.push_back("systemd is not running as PID 1 on this host, so units are not used");
        else if (!enabled) status.problems.push_back("the unit " + system_unit_name() + " is not enabled");
        status.fix = "sudo systemctl enable " + system_unit_name();
    } else if (fs::exists(user_unit_path(), ignored)) {
        status.installed = BootMechanism::systemd_user;
        status.unit_path = user_unit_path().string();
        const bool enabled = systemd && run_command({"systemctl", "--user", "is-enabled", "fulcrum-agent.service"}, 5s).ok();
        const bool linger = fs::exists(fs::path("/var/lib/systemd/linger") / m_ctx.user, ignored);
        status.will_start_on_boot = enabled && linger;
        if (!systemd) status.problems.push_back("systemd is not running as PID 1 on this host, so units are not used");
        if (systemd && !enabled) status.problems.push_back("the user unit fulcrum-agent.service is not enabled");
        if (!linger)
            status.problems.push_back("lingering is off for " + m_ctx.user +
                                      ": user units only start when that user logs in");
        status.fix = "loginctl enable-linger " + m_ctx.user + " && systemctl --user enable fulcrum-agent.service";
    } else if (crontab_text.find(cron_marker()) != std::string::npos) {
        status.installed = BootMechanism::cron;
        std::istringstream lines(crontab_text);
        std::string line;
        while (std::getline(lines, line)) {
            if (line.find(cron_marker()) != std::string::npos) status.unit_path = line;
        }
        const bool daemon = cron_daemon_running();
        const bool binary = ::access(m_ctx.executable.c_str(), X_OK) == 0;
        status.will_start_on_boot = daemon && binary;
        if (!daemon)
            status.problems.push_back("no cron daemon is running, so @reboot lines are not run");
        if (!binary) status.problems.push_back("the agent binary in the crontab line is missing: " + m_ctx.executable);
        if (!daemon) status.fix = "start cron and enable it at boot (e.g. sudo systemctl enable --now cron)";
        if (!binary) status.fix = "install the boot entry again (boot.install) so it names the current binary";
    } else {
        status.installed = BootMechanism::none;
        status.problems.push_back("nothing starts the agent at boot");
        status.fix = status.recommended == BootMechanism::none
                         ? "install cron or use a host with systemd, then install the boot entry"
                         : "install the boot entry (" + mechanism_name(status.recommended) + ") from the panel";
    }
    if (status.will_start_on_boot) {
        status.summary = "The agent starts at boot from " +
                         std::string(status.installed == BootMechanism::systemd_system ? "a systemd system unit"
                                     : status.installed == BootMechanism::systemd_user ? "a systemd user unit (lingering on)"
                                                                                        : "a crontab @reboot line") +
                         " and brings the workers and the proxy back.";
        status.fix.clear();
    } else {
        status.summary = "The agent will NOT come back after a reboot: " +
                         (status.problems.empty() ? std::string("unknown reason") : status.problems.front()) + ".";
    }
    return status;
}

protocol::BootStatus BootPersistence::install(std::optional<BootMechanism> mechanism, std::string& error) const {
    const auto chosen = mechanism.value_or(status().recommended);
    switch (chosen) {
        case BootMechanism::cron: {
            std::string kept;
            std::istringstream lines(read_crontab());
            std::string line;
            while (std::getline(lines, line)) {
                if (line.find(cron_marker()) == std::string::npos) kept += line + "\n";
            }
            kept += cron_line() + "\n";
            const auto written = run_command({"crontab", "-"}, 5s, kept);
            if (!written.ok()) error = "crontab refused the entry: " + written.output;
            break;
        }
        case BootMechanism::systemd_user: {
            if (!systemd_is_init()) {
                error = "systemd is not running as PID 1 here; use cron";
                break;
            }
            std::error_code ignored;
            fs::create_directories(user_unit_path().parent_path(), ignored);
            if (auto failure = write_file_atomically(user_unit_path(), user_unit(), 0644); !failure.empty()) {
                error = failure;
                break;
            }
            run_command({"systemctl", "--user", "daemon-reload"}, 5s);
            if (auto enabled = run_command({"systemctl", "--user", "enable", "fulcrum-agent.service"}, 5s); !enabled.ok())
                error = "systemctl --user enable failed: " + enabled.output;
            if (auto linger = run_command({"loginctl", "enable-linger", m_ctx.user}, 5s); !linger.ok())
                error += (error.empty() ? "" : "; ") + std::string("loginctl enable-linger failed: ") + linger.output;
            break;
        }
        case BootMechanism::systemd_system: {
            if (!systemd_is_init() || !has_passwordless_sudo()) {
                error = "a system unit needs systemd as PID 1 and passwordless sudo";
                break;
            }
            const std::string path = "/etc/systemd/system/" + system_unit_name();
            if (auto tee = run_command({"sudo", "-n", "tee", path}, 5s, system_unit()); !tee.ok()) {
                error = "cannot write " + path + ": " + tee.output;
                break;
            }
            run_command({"sudo", "-n", "systemctl", "daemon-reload"}, 5s);
            if (auto enabled = run_command({"sudo", "-n", "systemctl", "enable", system_unit_name()}, 5s); !enabled.ok())
                error = "systemctl enable failed: " + enabled.output;
            break;
        }
        case BootMechanism::none:
            error = "no boot mechanism is available on this host (no systemd, no crontab)";
            break;
    }
    return status();
}

}  // namespace fulcrum::agent
