#pragma once
// Reading process and host state from /proc.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fulcrum::agent {

struct ProcStat {
    char state = '?';
    pid_t ppid = 0;
    pid_t pgrp = 0;
    std::uint64_t utime_ticks = 0;
    std::uint64_t stime_ticks = 0;
    std::uint64_t start_ticks = 0;  // since boot; with the pid it identifies a process uniquely
    std::uint64_t rss_pages = 0;
};

// Parses /proc/<pid>/stat (the command name may contain spaces and parentheses).
std::optional<ProcStat> read_proc_stat(pid_t pid);
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// True if `pid` is alive and started at `start_ticks` (so it is not a recycled pid).
bool process_matches(pid_t pid, std::uint64_t start_ticks);

long clock_ticks_per_second();
long page_size_bytes();

std::string read_boot_id();

// The running binary (/proc/self/exe), used to start the daemon and the proxy.
std::string self_executable();

}  // namespace fulcrum::agent
