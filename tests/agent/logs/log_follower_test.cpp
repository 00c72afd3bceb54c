// logs.follow's reader with a real inotify watch on a real directory: a followed group picks
// up instances created after the subscription, stderr stays stderr, and rotation neither
// loses nor repeats a line.
#include "agent/logs/log_follower.h"

#include "tests/agent/support/test_agent.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

namespace fulcrum::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

void write(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::app);
    out << text;
}

class LogFollowerTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(follower.start(), ""); }
    // Runs the loop until `n` lines arrived or 5 s passed.
    bool received(std::size_t n) {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (lines.size() < n && std::chrono::steady_clock::now() < deadline) {
            io.restart();
            io.run_for(20ms);
        }
        return lines.size() >= n;
    }
    std::vector<std::string> texts() const {
        std::vector<std::string> all;
        for (const auto& line : lines)
            all.push_back((line.index ? std::to_string(*line.index) : "-") + " " + line.stream + ": " + line.text);
        return all;
    }
    LogFollower::Emit collect() {
        return [this](const protocol::LogLine& line) { lines.push_back(line); };
    }

    test_support::TempDir temp;
    fs::path dir = temp.path();
    LogFiles logs{dir};
    asio::io_context io;
    LogFollower follower{io, dir};
    std::vector<protocol::LogLine> lines;
};

TEST_F(LogFollowerTest, AFollowedGroupPicksUpInstancesStartedLater) {
    write(logs.instance_log("web", 0), "old 0\n");
    write(logs.instance_log("web", 2), "old 2 from before a scale-down\n");
    write(logs.instance_log("webby", 0), "another group\n");
    follower.follow(1, "web", logs.live_files_of("web", std::nullopt, {0}), true, collect());

    // Scale-up: instance 1 is new, instance 2 runs again and appends to its old file.
    LogFiles::append_agent_line(logs.instance_log("web", 1), logs.instance_stderr_log("web", 1), "started pid 11");
    write(logs.instance_stderr_log("web", 1), "Serving on http://127.0.0.1:8001\n");
    write(logs.instance_log("web", 2), "new 2\n");
    write(logs.instance_log("webby", 0), "not followed\n");
    write(logs.instance_log("web", 0), "new 0\n");
    ASSERT_TRUE(received(4)) << ::testing::PrintToString(texts());
    io.restart();
    io.run_for(100ms);  // nothing else arrives: no history, no other group, no duplicate event
    auto all = texts();
    std::sort(all.begin(), all.end());
    const std::vector<std::string> expected = {"0 stdout: new 0", "1 agent: started pid 11",
                                               "1 stderr: Serving on http://127.0.0.1:8001", "2 stdout: new 2"};
    EXPECT_EQ(all, expected);
}

TEST_F(LogFollowerTest, OneInstanceIsFollowedAloneAndCancelStopsIt) {
    follower.follow(1, "web", logs.live_files_of("web", 0, {}), false, collect());
    write(logs.instance_log("web", 1), "other instance\n");
    write(logs.instance_stderr_log("web", 0), "to stderr\n");
    ASSERT_TRUE(received(1));
    EXPECT_EQ(texts(), std::vector<std::string>{"0 stderr: to stderr"});
    follower.cancel(1);
    EXPECT_EQ(follower.count(), 0u);
    write(logs.instance_log("web", 0), "after cancel\n");
    EXPECT_FALSE(received(2));
}

TEST_F(LogFollowerTest, RotationLosesAndRepeatsNothing) {
    const auto file = logs.instance_log("web", 0);
    follower.follow(1, "web", logs.live_files_of("web", 0, {}), false, collect());
    write(file, "one\ntwo\n");
    ASSERT_TRUE(received(2));
    // Written after the last read and before the rotation: found at the end of the copy.
    write(file, "three\nfour (half");
    ASSERT_TRUE(LogFiles::rotate_if_large(file, 4));
    follower.rotated(file);  // as the daemon does right after it rotated
    write(file, " of it)\nfive\n");
    ASSERT_TRUE(received(5)) << ::testing::PrintToString(texts());
    const std::vector<std::string> expected = {"0 stdout: one", "0 stdout: two", "0 stdout: three",
                                               "0 stdout: four (half of it)", "0 stdout: five"};
    EXPECT_EQ(texts(), expected);

    // A rotation nobody announced is still noticed while the file is shorter than before.
    write(file, "six\n");
    ASSERT_TRUE(received(6));
    ASSERT_TRUE(LogFiles::rotate_if_large(file, 4));
    write(file, "7\n");
    ASSERT_TRUE(received(7)) << ::testing::PrintToString(texts());
    EXPECT_EQ(texts()[6], "0 stdout: 7");
}

}  // namespace
}  // namespace fulcrum::agent
