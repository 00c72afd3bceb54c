// The e2e load loop is the meter of the multi-host tests ("no failed requests"), so it must
// see failures when they happen: a worker on another host is reached through the lab network,
// and killing it shows up as failed requests with their reason.
#include "tests/e2e/support/http_load.h"
#include "tests/support/simhost/lab.h"

#include <gtest/gtest.h>

namespace fulcrum::testing {
namespace {

using namespace std::chrono_literals;

// A demo WSGI worker (Debian's waitress, the system python) on the host, as fulcrum-test.
void start_worker(SimHost& host, int port) {
    const std::string command = "cd " + shell_quote(std::string(FULCRUM_SOURCE_DIR) + "/resources/demo") +
                                " && setsid /usr/bin/python3 -m waitress --listen=0.0.0.0:" + std::to_string(port) +
                                " demo_app:application > /tmp/worker-" + std::to_string(port) +
                                ".log 2>&1 < /dev/null &";
    ASSERT_TRUE(host.run_as_user(command).ok());
    const std::string probe = "for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port) +
                              ") 2>/dev/null && exit 0; sleep 0.05; done; exit 1";
    ASSERT_TRUE(host.run_as_user("bash -c " + shell_quote(probe)).ok()) << "worker did not start";
}

TEST(HttpLoadTest, CountsSuccessesPerWorkerAndSeesAKilledWorkerAsFailures) {
    if (auto reason = SimLab::unsupported_reason()) GTEST_SKIP() << *reason;
    SimLab lab({"b"});
    SimHost& b = lab.host("b");
    start_worker(b, 8000);

    HttpLoad load({.address = b.address(), .port = 8000, .path = "/api/whoami", .max_requests = 5000,
                   .max_duration = 30s});
    load.start();
    ASSERT_TRUE(load.wait_for_successes(50, 10s)) << load.summary();
    EXPECT_EQ(load.failed(), 0u) << load.summary();
    EXPECT_GE(load.tally()["8000"], 50u);

    ASSERT_TRUE(b.run_as_user("pkill -KILL -f '[w]aitress --listen=0.0.0.0:8000'").ok());
    for (int i = 0; i < 200 && load.failed() < 5; ++i) std::this_thread::sleep_for(10ms);
    load.stop();
    EXPECT_GE(load.failed(), 5u) << load.summary();
    const auto failures = load.failures();
    ASSERT_FALSE(failures.empty());
    EXPECT_NE(failures.back().reason.find("refused"), std::string::npos) << load.summary();
}

TEST(HttpLoadTest, StopsAtItsRequestBound) {
    if (auto reason = SimLab::unsupported_reason()) GTEST_SKIP() << *reason;
    SimLab lab({"c"});
    SimHost& c = lab.host("c");
    start_worker(c, 8100);
    HttpLoad load({.address = c.address(), .port = 8100, .path = "/healthz", .connections = 2, .max_requests = 300});
    load.start();
    for (int i = 0; i < 1000 && load.running(); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(load.running());
    load.stop();
    EXPECT_EQ(load.succeeded() + load.failed(), 300u) << load.summary();
    EXPECT_EQ(load.failed(), 0u) << load.summary();
}

}  // namespace
}  // namespace fulcrum::testing
