#pragma once
// Where a simulated host keeps what must survive its reboots (its "disk") and where the
// pieces show up inside the host. Shared by the harness (SimLab, in the test process) and the
// fulcrum-simhost machine/init processes, so both sides agree on one layout.

#include <filesystem>

namespace fulcrum::testing::simhost {

inline constexpr int kSshPort = 2222;  // unprivileged: the host's sshd runs as fulcrum-test
inline constexpr const char* kUser = "fulcrum-test";
inline constexpr const char* kPowerFifoInHost = "/run/simhost/power";
inline constexpr const char* kCronSpoolInHost = "/var/spool/cron/crontabs";
inline constexpr const char* kBootIdInHost = "/proc/sys/kernel/random/boot_id";

struct HostLayout {
    std::filesystem::path root;

    std::filesystem::path home() const { return root / "home"; }             // -> ~fulcrum-test
    std::filesystem::path cron_spool() const { return root / "spool"; }      // -> cron spool
    std::filesystem::path empty_dir() const { return root / "empty"; }       // -> /etc/cron.d
    std::filesystem::path system_crontab() const { return root / "crontab.system"; }  // -> /etc/crontab
    std::filesystem::path boot_id() const { return root / "boot_id"; }
    std::filesystem::path power_fifo() const { return root / "power"; }
    std::filesystem::path sshd_dir() const { return root / "sshd"; }
    std::filesystem::path sshd_config() const { return sshd_dir() / "sshd_config"; }
    std::filesystem::path host_key() const { return sshd_dir() / "ssh_host_ed25519_key"; }
    std::filesystem::path logs() const { return root / "logs"; }
    // Written by the machine process after every boot (root-namespace pid of the host's init).
    std::filesystem::path init_pid() const { return root / "init.pid"; }
    std::filesystem::path boot_count() const { return root / "boot_count"; }
};

}  // namespace fulcrum::testing::simhost
