// fulcrum-test-sweeper DIR...: started by a test (SweepAfterExit) with a pipe as stdin. When
// the pipe closes — the test ended, normally or not — it kills every process still living
// under DIR... (see process_sweep.h), lists them on stderr so a crashed test's log says what
// it left, and removes the directories a test that ended normally would have removed itself.
#include "tests/support/process_sweep.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    std::vector<std::string> dirs;
    for (int i = 1; i < argc; ++i) {
        if (argv[i][0] == '/') dirs.emplace_back(argv[i]);
    }
    if (dirs.empty()) {
        std::fprintf(stderr, "usage: fulcrum-test-sweeper DIR... (absolute directories; stdin: the test's lifeline)\n");
        return 2;
    }
    char buffer[64];
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n == 0 || (n < 0 && errno != EINTR)) break;
    }
    const auto found = fulcrum::testing::processes_under(dirs);
    if (!found.empty()) {
        std::fprintf(stderr, "fulcrum-test-sweeper: the test left these running; killing them:\n%s",
                     fulcrum::testing::describe(found).c_str());
    }
    const auto left = fulcrum::testing::kill_processes_under(dirs);
    if (!left.empty()) {
        std::fprintf(stderr, "fulcrum-test-sweeper: still alive, directories kept:\n%s", fulcrum::testing::describe(left).c_str());
        return 1;
    }
    for (const auto& dir : dirs) {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    return 0;
}
