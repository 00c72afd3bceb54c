#pragma once
// Finding and stopping what a test started and would leave behind: agent daemons detach
// (setsid, reparented away from the test), proxies and workers outlive their agents by design,
// and a daemon SIGKILLed mid-test leaves its children serving. A test knows them only by
// where they live: the throwaway directories it gave them as HOME or XDG_STATE_HOME, or ran
// their executable from. Everything below such a process in the process tree counts too.
// Plain C++ (no Qt, no gtest) for every test tier.

#include <string>
#include <vector>

#include <sys/types.h>

namespace fulcrum::testing {

struct StrayProcess {
    pid_t pid = 0;
    std::string command;  // its command line, spaces between the arguments
};

// Live processes (zombies are finished and left out) that run an executable under one of
// `dirs`, have HOME or XDG_STATE_HOME under one, or descend from such a process. Never the
// calling process.
std::vector<StrayProcess> processes_under(const std::vector<std::string>& dirs);

// SIGKILLs processes_under(dirs) until none is left (a dying daemon may just have forked),
// for at most about a second; returns what still lives then.
std::vector<StrayProcess> kill_processes_under(const std::vector<std::string>& dirs);

// "pid command" per line, for a failure message.
std::string describe(const std::vector<StrayProcess>& processes);

// For the case where the test itself never gets to clean up (a crash, an abort, CTest's
// timeout killing it): a small helper process (fulcrum-test-sweeper) that waits for this
// process to end, however it ends, then kills whatever is left under `dirs` and removes
// them (they are the test's throwaway directories). Start it
// before anything the test cleans up is started; its own environment names none of the dirs.
// Does nothing when the helper cannot be started (the in-test cleanup still runs).
class SweepAfterExit {
public:
    SweepAfterExit(const std::string& sweeper_binary, const std::vector<std::string>& dirs);
    ~SweepAfterExit();
    SweepAfterExit(const SweepAfterExit&) = delete;
    SweepAfterExit& operator=(const SweepAfterExit&) = delete;
    bool running() const { return m_pid > 0; }

private:
    pid_t m_pid = 0;
    int m_lifeline = -1;  // its stdin; our exit closes it
};

}  // namespace fulcrum::testing
