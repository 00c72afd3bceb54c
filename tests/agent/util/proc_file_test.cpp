// /proc files kept open and re-read with pread (util/proc_file.h), the allocation-free field
// readers (util/text_fields.h), /proc/PID/stat parsing (util/proc.h) and the timer grid
// (util/tick_grid.h). Real files and real processes.
#include "agent/util/proc.h"
#include "agent/util/proc_file.h"
#include "agent/util/text_fields.h"
#include "agent/util/tick_grid.h"
#include "tests/agent/support/test_agent.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace fulcrum::agent {
namespace {

using namespace std::chrono_literals;

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

TEST(ProcFile, ReadsTheCurrentContentsThroughTheSameDescriptor) {
    test_support::TempDir dir;
    const auto path = dir.path() / "counter";
    write_file(path, "one\n");
    ProcFile file(path.string());
    ASSERT_TRUE(file.open());
    EXPECT_EQ(file.read().value_or("?"), "one\n");
    // Rewritten in place (same inode, as the kernel regenerates a /proc file): the kept
    // descriptor sees the new contents from offset 0, longer or shorter.
    write_file(path, "two, and longer\n");
    EXPECT_EQ(file.read().value_or("?"), "two, and longer\n");
    write_file(path, "3\n");
    EXPECT_EQ(file.read().value_or("?"), "3\n");
    EXPECT_EQ(file.read_head(1).value_or("?"), "3");
}

TEST(ProcFile, GrowsForLargerFilesUpToItsBound) {
    test_support::TempDir dir;
    const auto path = dir.path() / "big";
    const std::string big(10000, 'x');
    write_file(path, big);
    ProcFile unbounded(path.string());
    EXPECT_EQ(unbounded.read().value_or("").size(), big.size());
    ProcFile bounded(path.string(), 8192);
    EXPECT_FALSE(bounded.read());  // larger than its bound: refused, not cut short
    EXPECT_EQ(bounded.read_head(100).value_or("").size(), 100u);
    EXPECT_FALSE(ProcFile((dir.path() / "missing").string()).read());
}

TEST(ProcFile, HostFilesReadAgainAndAgainWithOneDescriptor) {
    ProcFile stat("/proc/stat");
    ProcFile loadavg("/proc/loadavg", 4096);
    for (int i = 0; i < 3; ++i) {
        const auto text = stat.read();
        ASSERT_TRUE(text);
        EXPECT_EQ(text->substr(0, 4), "cpu ");
        EXPECT_NE(text->find("\nbtime "), std::string_view::npos);  // the whole file, not a prefix
        ASSERT_TRUE(loadavg.read());
    }
    EXPECT_TRUE(stat.is_open());
}

// A process's file stays with that process: once it is gone the descriptor reads nothing,
// even if the pid comes back for another process.
TEST(ProcFile, AProcessFileEndsWithItsProcess) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    ProcFile file("/proc/" + std::to_string(child) + "/stat", 8192);
    ASSERT_TRUE(file.open());
    const auto first = file.read();
    ASSERT_TRUE(first);
    const auto stat = parse_proc_stat(*first);
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->ppid, ::getpid());
    EXPECT_GT(stat->start_ticks, 0u);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    EXPECT_FALSE(file.read());
}

TEST(ProcStat, ParsesOddNamesAndNegativeFields) {
    // comm with spaces and parentheses; priority and nice negative; tty_nr 0.
    const std::string line =
        "4242 (we (ird) na me) S 1 4242 4242 0 -1 4194560 120 0 0 0 7 3 0 0 -2 -20 1 0 5555 10000000 250 "
        "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    const auto stat = parse_proc_stat(line);
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->state, 'S');
    EXPECT_EQ(stat->ppid, 1);
    EXPECT_EQ(stat->pgrp, 4242);
    EXPECT_EQ(stat->utime_ticks, 7u);
    EXPECT_EQ(stat->stime_ticks, 3u);
    EXPECT_EQ(stat->start_ticks, 5555u);
    EXPECT_EQ(stat->rss_pages, 250u);
    EXPECT_FALSE(parse_proc_stat("garbage"));
    EXPECT_FALSE(parse_proc_stat("1 (x) S 1 1 1 0 -1 4194560 120 0 0 0 7"));  // cut short
    EXPECT_FALSE(parse_proc_stat("1 (x) S 1 1 1 0 -1 4194560 120 0 0 0 -7 3 0 0 20 0 1 0 5 1 2"));
    const auto self = read_proc_stat(::getpid());
    ASSERT_TRUE(self);
    EXPECT_EQ(self->state, 'R');
    EXPECT_GT(self->rss_pages, 0u);
}

TEST(TextFields, NumbersWordsAndLines) {
    std::string_view text = " 12\t-3 word 4.5\nnext";
    std::uint64_t u = 0;
    int i = 0;
    double d = 0;
    ASSERT_TRUE(next_number(text, u));
    EXPECT_EQ(u, 12u);
    EXPECT_FALSE(next_number(text, u));  // "-3" is no unsigned number, and is left in place
    ASSERT_TRUE(next_number(text, i));
    EXPECT_EQ(i, -3);
    EXPECT_TRUE(skip_word(text));
    ASSERT_TRUE(next_number(text, d));
    EXPECT_DOUBLE_EQ(d, 4.5);
    EXPECT_FALSE(skip_word(text));  // the rest of the line is empty
    EXPECT_EQ(next_line(text), "");
    EXPECT_EQ(next_line(text), "next");
    EXPECT_TRUE(text.empty());
}

TEST(TickGrid, PeriodsThatDivideEachOtherExpireTogether) {
    using std::chrono::steady_clock;
    const auto at = [](std::chrono::milliseconds ms) { return steady_clock::time_point(ms); };
    EXPECT_EQ(next_grid_point(at(2500ms), 1s), at(3000ms));
    EXPECT_EQ(next_grid_point(at(3000ms), 1s), at(4000ms));  // strictly after: a handler re-arms
    EXPECT_EQ(next_grid_point(at(3000ms), 2s), at(4000ms));
    EXPECT_EQ(next_grid_point(at(4001ms), 2s), at(6000ms));
    EXPECT_EQ(next_grid_point(at(4001ms), 500ms), at(4500ms));
    // The 1 s tick and a 2 s health round meet every other second, wherever they started.
    auto tick = next_grid_point(steady_clock::now(), 1s);
    const auto round = next_grid_point(tick + 1ms, 2s);
    while (tick < round) tick = next_grid_point(tick, 1s);
    EXPECT_EQ(tick, round);
}

}  // namespace
}  // namespace fulcrum::agent
