#pragma once
// PID 1 of a simulated host. Sets up the host's private mounts (home and cron spool from the
// host's "disk", fresh tmpfs for /run, /tmp and /dev/shm, its own boot_id, an empty system
// crontab so the real /etc/crontab jobs never run here), then starts the host's services the
// way a boot would: OpenSSH sshd as fulcrum-test and the Debian cron daemon (which runs
// @reboot entries because /run/crond.reboot does not exist yet on a fresh /run). Then it
// reaps every orphan, as an init must, and restarts a service that dies.

#include <filesystem>
#include <string>

namespace fulcrum::testing::simhost {

struct InitOptions {
    std::filesystem::path state;
    std::string hostname;
};

int run_init(const InitOptions& options);

}  // namespace fulcrum::testing::simhost
