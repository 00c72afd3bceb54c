#include "agent/logs/log_files.h"

#include "agent/util/files.h"

#include "tests/agent/support/test_agent.h"

#include <gtest/gtest.h>

#include <fstream>

namespace fulcrum::agent {
namespace {

namespace fs = std::filesystem;

class LogFilesTest : public ::testing::Test {
protected:
    test_support::TempDir temp;
    fs::path dir = temp.path();
};

void write(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::app);
    out << text;
}

TEST_F(LogFilesTest, TailReadsTheLastLinesAcrossTheRotatedGeneration) {
    LogFiles logs(dir);
    const auto live = logs.instance_log("web", 0);
    for (int i = 0; i < 100; ++i) write(live, "line " + std::to_string(i) + "\n");
    ASSERT_TRUE(LogFiles::rotate_if_large(live, 10));
    EXPECT_EQ(fs::file_size(live), 0u);
    write(live, "line 100\nline 101\npartial");
    LogFiles::append_agent_line(live, logs.instance_stderr_log("web", 0), "started pid 42\nwith a newline");
    const auto files = logs.files_of("web", 0, {});
    ASSERT_EQ(files.size(), 4u);
    EXPECT_EQ(files[0].path, fs::path(live.string() + ".1"));
    EXPECT_EQ(files[1], (LogFile{live, 0, "stdout"}));
    EXPECT_EQ(files[3], (LogFile{logs.instance_stderr_log("web", 0), 0, "stderr"}));
    auto tail = LogFiles::tail(files, "web", 5);
    ASSERT_EQ(tail.lines.size(), 5u);
    EXPECT_TRUE(tail.truncated);
    EXPECT_EQ(tail.lines[0].text, "line 98");
    EXPECT_EQ(tail.lines[2].text, "line 100");
    EXPECT_EQ(tail.lines[4].stream, "stdout");
    EXPECT_EQ(tail.lines[4].text, "partial[fulcrum-agent " + tail.lines[4].text.substr(22));
    auto all = LogFiles::tail(files, "web", 10000);
    EXPECT_EQ(all.lines.size(), 103u) << "the event's copy in the stderr file is not reported";
    EXPECT_FALSE(all.truncated);
}

TEST_F(LogFilesTest, StdoutAndStderrStayApartAndAreMergedAroundTheAgentsEvents) {
    LogFiles logs(dir);
    const auto out = logs.instance_log("web", 0);
    const auto err = logs.instance_stderr_log("web", 0);
    // What a process that was started, wrote to both streams, crashed and was restarted leaves.
    write(out, "[fulcrum-agent 2026-12-01T20:00:00.000Z] started pid 1\n");
    write(err, "[fulcrum-agent 2026-12-01T20:00:00.000Z] started pid 1\n");
    write(out, "out one\n");
    write(err, "err one\nTraceback: boom\n");
    write(out, "[fulcrum-agent 2026-12-01T20:00:05.000Z] pid 1 exited with status 1 after 5 s\n");
    write(err, "[fulcrum-agent 2026-12-01T20:00:05.000Z] pid 1 exited with status 1 after 5 s\n");
    write(out, "[fulcrum-agent 2026-12-01T20:00:06.000Z] started pid 2\n");
    write(err, "[fulcrum-agent 2026-12-01T20:00:06.000Z] started pid 2\n");
    write(out, "out two\n");
    write(err, "err two\n");
    const auto tail = LogFiles::tail(logs.files_of("web", 0, {}), "web", 100);
    std::vector<std::string> seen;
    for (const auto& line : tail.lines) seen.push_back(line.stream + ": " + line.text);
    const std::vector<std::string> expected = {
        "agent: started pid 1",   "stdout: out one", "stderr: err one", "stderr: Traceback: boom",
        "agent: pid 1 exited with status 1 after 5 s", "agent: started pid 2", "stdout: out two", "stderr: err two"};
    EXPECT_EQ(seen, expected);
    // Output lines are dated by the event written after them; the last ones by the file's mtime.
    EXPECT_EQ(tail.lines[2].time_ms, tail.lines[4].time_ms);
    EXPECT_GE(tail.lines[7].time_ms, tail.lines[5].time_ms);

    // Only the newest lines, still merged: the cut is made after merging.
    const auto last = LogFiles::tail(logs.files_of("web", 0, {}), "web", 3);
    ASSERT_EQ(last.lines.size(), 3u);
    EXPECT_EQ(last.lines[0].text, "started pid 2");
    EXPECT_EQ(last.lines[2].stream, "stderr");
    EXPECT_TRUE(last.truncated);
}

TEST_F(LogFilesTest, InstanceFileNamesAreRecognisedOnlyForTheirGroup) {
    EXPECT_EQ(LogFiles::instance_file(dir, "web", "web.3.log"), (LogFile{dir / "web.3.log", 3, "stdout"}));
    EXPECT_EQ(LogFiles::instance_file(dir, "web", "web.12.stderr.log"), (LogFile{dir / "web.12.stderr.log", 12, "stderr"}));
    for (const char* other : {"web.3.log.1", "web-2.3.log", "webx.3.log", "web..log", "web.x.log", "web.3.stdout.log",
                              "web.3", "proxy.log", "web.99999.log", "web.3.stderr.log.1"}) {
        EXPECT_FALSE(LogFiles::instance_file(dir, "web", other)) << other;
    }
    EXPECT_FALSE(LogFiles::instance_file(dir, "web-2", "web.3.log"));
}

TEST_F(LogFilesTest, AgentLinesCarryTheirOwnTime) {
    const auto line = LogFiles::to_log_line("[fulcrum-agent 2026-12-01T20:00:00.123Z] started pid 7", "web", 1, "stdout", 5);
    EXPECT_EQ(line.stream, "agent");
    EXPECT_EQ(line.text, "started pid 7");
    EXPECT_EQ(line.time_ms, 1796155200123);
    const auto plain = LogFiles::to_log_line("hello\r", "web", 1, "stderr", 5);
    EXPECT_EQ(plain.stream, "stderr");
    EXPECT_EQ(plain.text, "hello");
    EXPECT_EQ(plain.time_ms, 5);
    const auto broken = LogFiles::to_log_line("[fulcrum-agent garbage", "web", 1, "stdout", 5);
    EXPECT_EQ(broken.time_ms, 5);
}

TEST_F(LogFilesTest, MissingFilesAndZeroLinesAreEmpty) {
    auto tail = LogFiles::tail({{dir / "nope.log", 0}}, "web", 10);
    EXPECT_TRUE(tail.lines.empty());
    EXPECT_TRUE(LogFiles::tail({{dir / "nope.log", 0}}, "web", 0).lines.empty());
}

}  // namespace
}  // namespace fulcrum::agent
