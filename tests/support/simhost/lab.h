#pragma once
// A lab of simulated servers on this one machine, for end-to-end tests (needs root).
//
//   SimLab lab({"a", "b", "c"});          // three hosts, booted, sshd answering
//   lab.host("a").address();              // 198.18.<slot>.11, reachable from the test process
//   lab.host("c").reboot();               // everything of c killed, new boot_id, booted again
//   lab.host("b").run_as_user("crontab -l");
//
// Network: a lab network namespace holds a bridge; every host has its own network namespace
// with one veth into the bridge and its own address in 198.18.<slot>.0/24 (RFC 2544 benchmark
// range), and one veth links the bridge to the root namespace (198.18.<slot>.1) so the test
// process — the panel — reaches every host. Hosts have no default route: their traffic can only
// go to the lab subnet or their own loopback.
// Host: own PID, mount, UTS and IPC namespaces, booted by a fulcrum-simhost machine process
// (machine.h, host_init.h): private home (/home/fulcrum-test, persistent across reboots),
// cron spool (persistent), /run, /tmp (fresh each boot), its own boot_id; OpenSSH sshd on port
// 2222 running as fulcrum-test (key login to fulcrum-test only), and Debian's cron daemon.
//
// Runs are isolated by a slot number (0..255) held with flock() for the lifetime of the lab:
// namespaces are named fsim-<slot>-*, the root-side link fsim<slot>, state under
// /var/tmp/fulcrum-simhost/<slot>. A slot whose lock is free but which still has leftovers
// (a run that was SIGKILLed) is cleaned by the next SimLab. Everything is torn down in the
// destructor; if the test process dies, its machine processes and hosts die with it.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "tests/support/simhost/host_layout.h"
#include "tests/support/simhost/process.h"

namespace fulcrum::testing {

class SimHost {
public:
    SimHost(std::string name, std::string address, std::string netns, std::filesystem::path state);
    ~SimHost();
    SimHost(const SimHost&) = delete;
    SimHost& operator=(const SimHost&) = delete;

    const std::string& name() const { return m_name; }
    const std::string& address() const { return m_address; }
    int ssh_port() const { return simhost::kSshPort; }
    std::string user() const { return simhost::kUser; }
    const std::string& netns() const { return m_netns; }
    const std::filesystem::path& state_dir() const { return m_layout.root; }
    // "ssh-ed25519 AAAA..." — the host key its sshd presents.
    std::string host_public_key() const;

    // Starts the machine (first boot) and waits until sshd answers.
    void power_on(const std::string& machine_binary, std::chrono::milliseconds down_time);
    void power_off();

    // Kills every process of the host, new boot_id, boots again; returns when sshd answers.
    void reboot(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // A shell command that, run inside the host (e.g. over SSH as fulcrum-test), reboots it
    // the way `sudo systemctl reboot` would reboot a real server.
    static std::string reboot_command();
    int boot_count() const;
    std::string boot_id() const;
    pid_t init_pid() const;  // as seen from the test process
    // Identity of the host's current PID namespace; changes with every boot.
    std::string pid_namespace() const;
    // Every process of the host (pids as seen from the test process).
    std::vector<pid_t> processes() const;

    bool wait_for_ssh(std::chrono::milliseconds timeout) const;
    // Runs `sh -c shell_command` as fulcrum-test inside the host (its namespaces, HOME set).
    CommandResult run_as_user(const std::string& shell_command,
                              std::chrono::milliseconds timeout = std::chrono::seconds(20),
                              const std::string& input = {}) const;
    // Same, as root inside the host: for the harness's own inspection only.
    CommandResult run_as_root(const std::string& shell_command,
                              std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
    // A file as the host sees it (through its mount namespace), or nullopt.
    std::optional<std::string> read_file(const std::string& path_in_host) const;

private:
    std::vector<std::string> enter_command() const;

    std::string m_name;
    std::string m_address;
    std::string m_netns;
    simhost::HostLayout m_layout;
    pid_t m_machine = -1;
};

struct SimLabOptions {
    std::vector<std::string> hosts;  // lowercase names, 1..8 chars, e.g. {"a", "b", "c"}
    std::chrono::milliseconds reboot_down_time{500};
};

class SimLab {
public:
    explicit SimLab(SimLabOptions options);
    explicit SimLab(std::vector<std::string> hosts) : SimLab(SimLabOptions{std::move(hosts)}) {}
    ~SimLab();
    SimLab(const SimLab&) = delete;
    SimLab& operator=(const SimLab&) = delete;

    // Why a lab cannot be built here (not root, no netns support), or nullopt.
    static std::optional<std::string> unsupported_reason();
    // Removes what SIGKILLed runs left behind (slots whose lock is free). Returns how many
    // slots were cleaned. Called by every SimLab constructor.
    static int clean_stale_runs();

    int slot() const { return m_slot; }
    SimHost& host(const std::string& name);
    std::vector<SimHost*> hosts();
    const std::string& gateway_address() const { return m_gateway; }  // the test process side
    std::string subnet() const;                                        // "198.18.N.0/24"

    // An ed25519 key (no passphrase) every host accepts for fulcrum-test, readable by root.
    const std::filesystem::path& client_key() const { return m_client_key; }
    // OpenSSH known_hosts lines for every host ("[addr]:2222 ssh-ed25519 ...").
    std::string known_hosts() const;
    const std::filesystem::path& known_hosts_file() const { return m_known_hosts; }
    // argv prefix for OpenSSH's ssh client to a host (key, known_hosts, port, batch mode).
    std::vector<std::string> ssh_command(const SimHost& host) const;
    const std::filesystem::path& state_dir() const { return m_state; }
    // A HOME for the panel side (the test process, fulcrum-ctl): .ssh/id_ed25519 (the client
    // key), .ssh/known_hosts (every host) and .ssh/config with one alias per host name
    // (HostName, Port, User, IdentityFile), so `fulcrum-ctl status a` works like `ssh a`.
    // Note: OpenSSH (and libssh) take ~ from the password database, not $HOME; point them
    // here explicitly (ssh -F, UserKnownHostsFile) or through the panel's own settings.
    // Created on first call, under the lab's state directory; removed with the lab.
    std::filesystem::path panel_home() const;

private:
    void set_up_network();
    void tear_down() noexcept;

    SimLabOptions m_options;
    int m_slot = -1;
    int m_lock_fd = -1;
    std::string m_lab_netns;
    std::string m_root_link;
    std::string m_gateway;
    std::filesystem::path m_state;
    std::filesystem::path m_client_key;
    std::filesystem::path m_known_hosts;
    std::vector<std::unique_ptr<SimHost>> m_hosts;
};

}  // namespace fulcrum::testing
