#include "agent/util/proc.h"

#include "agent/util/files.h"
#include "agent/util/text_fields.h"

#include <unistd.h>

#include <climits>

namespace fulcrum::agent {

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
    const auto close = text.rfind(')');
    if (close == std::string_view::npos || close + 2 >= text.size()) return std::nullopt;
    std::string_view fields = text.substr(close + 2);
    ProcStat stat;
    const auto state = fields.find_first_not_of(" \t");
    if (state == std::string_view::npos) return std::nullopt;
    stat.state = fields[state];
    fields.remove_prefix(state + 1);
    if (!next_number(fields, stat.ppid) || !next_number(fields, stat.pgrp)) return std::nullopt;
    // Fields 6..13: session, tty_nr, tpgid, flags, minflt, cminflt, majflt, cmajflt.
    for (int i = 0; i < 8; ++i) {
        if (!skip_word(fields)) return std::nullopt;
    }
    if (!next_number(fields, stat.utime_ticks) || !next_number(fields, stat.stime_ticks)) return std::nullopt;
    // Fields 16..21: cutime, cstime, priority, nice, num_threads, itrealvalue.
    for (int i = 0; i < 6; ++i) {
        if (!skip_word(fields)) return std::nullopt;
    }
    std::uint64_t vsize = 0;
    if (!next_number(fields, stat.start_ticks) || !next_number(fields, vsize) || !next_number(fields, stat.rss_pages))
        return std::nullopt;
    return stat;
}

std::optional<ProcStat> read_proc_stat(pid_t pid) {
    const auto text = read_small_file("/proc/" + std::to_string(pid) + "/stat", 8192);
    if (!text) return std::nullopt;
    return parse_proc_stat(*text);
}

bool process_matches(pid_t pid, std::uint64_t start_ticks) {
    if (pid <= 0) return false;
    const auto stat = read_proc_stat(pid);
    return stat && stat->state != 'Z' && stat->start_ticks == start_ticks;
}

long clock_ticks_per_second() {
    static const long ticks = ::sysconf(_SC_CLK_TCK);
    return ticks > 0 ? ticks : 100;
}

long page_size_bytes() {
    static const long size = ::sysconf(_SC_PAGESIZE);
    return size > 0 ? size : 4096;
}

std::string read_boot_id() {
    auto text = read_small_file("/proc/sys/kernel/random/boot_id", 256).value_or("");
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

std::string self_executable() {
    char path[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) return "fulcrum-agent";
    return std::string(path, static_cast<std::size_t>(n));
}

}  // namespace fulcrum::agent
