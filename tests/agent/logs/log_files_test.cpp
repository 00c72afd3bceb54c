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

TEST_F(LogFilesTest, TailReadsTheLastLinesAcrossTheRotatedGeneration) {
    LogFiles logs(dir);
    const auto live = logs.instance_log("web", 0);
    {
        std::ofstream out(live);
        for (int i = 0; i < 100; ++i) out << "line " << i << "\n";
    }
    ASSERT_TRUE(LogFiles::rotate_if_large(live, 10));
    EXPECT_EQ(fs::file_size(live), 0u);
    {
        std::ofstream out(live, std::ios::app);
        out << "line 100\nline 101\npartial";
    }
    LogFiles::append_agent_line(live, "started pid 42\nwith a newline");
    const auto files = logs.files_of("web", 0, {});
    ASSERT_EQ(files.size(), 2u);
    std::vector<std::pair<fs::path, std::optional<int>>> sources{{files[0], 0}, {files[1], 0}};
    auto tail = LogFiles::tail(sources, "web", 5);
    ASSERT_EQ(tail.lines.size(), 5u);
    EXPECT_TRUE(tail.truncated);
    EXPECT_EQ(tail.lines[0].text, "line 98");
    EXPECT_EQ(tail.lines[2].text, "line 100");
    EXPECT_EQ(tail.lines[4].stream, "stdout");
    EXPECT_EQ(tail.lines[4].text, "partial[fulcrum-agent " + tail.lines[4].text.substr(22));
    auto all = LogFiles::tail(sources, "web", 10000);
    EXPECT_EQ(all.lines.size(), 103u);
    EXPECT_FALSE(all.truncated);
}

TEST_F(LogFilesTest, AgentLinesCarryTheirOwnTime) {
    const auto line = LogFiles::to_log_line("[fulcrum-agent 2026-12-01T20:00:00.123Z] started pid 7", "web", 1, 5);
    EXPECT_EQ(line.stream, "agent");
    EXPECT_EQ(line.text, "started pid 7");
    EXPECT_EQ(line.time_ms, 1796155200123);
    const auto plain = LogFiles::to_log_line("hello\r", "web", 1, 5);
    EXPECT_EQ(plain.stream, "stdout");
    EXPECT_EQ(plain.text, "hello");
    EXPECT_EQ(plain.time_ms, 5);
    const auto broken = LogFiles::to_log_line("[fulcrum-agent garbage", "web", 1, 5);
    EXPECT_EQ(broken.time_ms, 5);
}

TEST_F(LogFilesTest, MissingFilesAndZeroLinesAreEmpty) {
    auto tail = LogFiles::tail({{dir / "nope.log", 0}}, "web", 10);
    EXPECT_TRUE(tail.lines.empty());
    EXPECT_TRUE(LogFiles::tail({{dir / "nope.log", 0}}, "web", 0).lines.empty());
}

}  // namespace
}  // namespace fulcrum::agent
