#pragma once
// The "power supply" of one simulated host: a process in the root PID namespace (joined to the
// host's network namespace) that boots the host, and on request kills it and boots it again.
//
// A boot writes a fresh boot_id, then clones the host's init into new PID, mount, UTS and IPC
// namespaces. A reboot SIGKILLs that init, which makes the kernel kill every process of the
// host, waits until they are all gone, stays "down" for a moment and boots again.
// Reboot requests come as SIGUSR1 (from the harness) or as a line "reboot" written to the
// power FIFO, which is visible inside the host (so a reboot command run over SSH works).
// SIGTERM powers the host off and ends the machine. If the test process dies, the machine dies
// (PR_SET_PDEATHSIG) and with it the host's init, so nothing outlives a killed test run.

#include <filesystem>
#include <string>

#include <sys/types.h>

namespace fulcrum::testing::simhost {

struct MachineOptions {
    std::filesystem::path state;  // HostLayout root
    std::string hostname;
    std::string netns_path;       // /run/netns/<name>
    pid_t parent = 0;             // the test process; the machine ends if it is gone
    int down_ms = 500;            // how long the host stays off during a reboot
};

int run_machine(const MachineOptions& options);

}  // namespace fulcrum::testing::simhost
