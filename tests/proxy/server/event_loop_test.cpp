// `fulcrum-agent proxy` picks its event loop before any loop exists
// (proxy/server/event_loop_choice.h): io_uring where the host allows it, epoll where io_uring
// is refused — here by a seccomp filter, as a container's profile does — and says which.
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "proxy/server/uring/ring_setup.h"
#include "test_child.h"
#include "test_http.h"

using namespace fulcrum::proxy::testing;

namespace {

std::vector<std::string> quick_mode(const TestUpstream& upstream, const std::string& event_loop) {
    std::vector<std::string> argv = {FULCRUM_AGENT_BINARY, "proxy",          "--listen",     "127.0.0.1:0", "--to",
                                     upstream.address(),    "--allow-root"};
    if (!event_loop.empty()) {
        argv.push_back("--event-loop");
        argv.push_back(event_loop);
    }
    return argv;
}

std::vector<std::string> without_io_uring(std::vector<std::string> argv) {
    argv.insert(argv.begin(), FULCRUM_WITHOUT_IO_URING);
    return argv;
}

void skip_unless_this_host_runs_io_uring() {
    if (const auto why = fulcrum_io_shared::io_uring_unavailable_reason(); !why.empty()) {
        GTEST_SKIP() << "this host cannot run the io_uring event loop: " << why;
    }
}

// The proxy answers through `upstream` and stops on SIGTERM with exit code 0.
void expect_serves_and_stops(Child& proxy, std::uint16_t port, const std::string& upstream_name) {
    ASSERT_NE(port, 0);
    for (int i = 0; i < 3; ++i) {
        const auto response = http_get(port, "/");
        EXPECT_EQ(response.status, 200);
        EXPECT_EQ(response.body, upstream_name);
    }
    ::kill(proxy.pid, SIGTERM);
    EXPECT_EQ(proxy.wait_exit(5000), 0);
}

}  // namespace

TEST(ProxyEventLoop, AutoRunsOnIoUringWhereTheHostAllowsIt) {
    skip_unless_this_host_runs_io_uring();
    TestUpstream upstream("up");
    Child proxy(quick_mode(upstream, "auto"), {}, true);
    const auto port = port_of(proxy.wait_line("listener quick on"));
    EXPECT_FALSE(proxy.wait_line("event loop io_uring").empty());
    expect_serves_and_stops(proxy, port, "up");
}

TEST(ProxyEventLoop, AutoFallsBackToEpollWhereIoUringIsRefusedAndSaysWhy) {
    TestUpstream upstream("up");
    Child proxy(without_io_uring(quick_mode(upstream, "auto")), {}, true);
    EXPECT_FALSE(proxy.wait_line("running on epoll, not io_uring: io_uring is switched off here").empty());
    const auto port = port_of(proxy.wait_line("listener quick on"));
    EXPECT_FALSE(proxy.wait_line("event loop epoll").empty());
    expect_serves_and_stops(proxy, port, "up");
}

// The kernel charges ring memory to RLIMIT_MEMLOCK for an account without CAP_IPC_LOCK, shared
// by all its processes: the probe's small ring can fit where the loops' rings do not. The proxy
// then runs on epoll and says why, instead of dying with Asio's exception.
TEST(ProxyEventLoop, AutoFallsBackToEpollWhenTheLoopsRingsDoNotFitTheLockedMemoryLimit) {
    skip_unless_this_host_runs_io_uring();
    if (::geteuid() != 0 || ::getpwnam("fulcrum-test") == nullptr) {
        GTEST_SKIP() << "needs root and the fulcrum-test account (resources/test-users.sh) to run the proxy "
                        "as an account without CAP_IPC_LOCK";
    }
    TestUpstream upstream("up");
    // 16 KiB: a probe ring of 8 entries takes 2 pages, one loop ring of 512 entries 13.
    std::vector<std::string> argv = {"/usr/bin/prlimit", "--memlock=16384", "--", "/usr/bin/setpriv",
                                     "--reuid=fulcrum-test", "--regid=fulcrum-test", "--init-groups", "--"};
    for (auto& arg : quick_mode(upstream, "auto")) argv.push_back(arg);
    argv.erase(std::find(argv.begin(), argv.end(), "--allow-root"));
    Child proxy(argv, {}, true);
    const auto fallback = proxy.wait_line("running on epoll, not io_uring:");
    EXPECT_TRUE(fallback.find("io_uring_queue_init") != std::string::npos ||
                fallback.find("locked-memory limit") != std::string::npos)
        << fallback;
    const auto port = port_of(proxy.wait_line("listener quick on"));
    EXPECT_FALSE(proxy.wait_line("event loop epoll").empty());
    expect_serves_and_stops(proxy, port, "up");
}

TEST(ProxyEventLoop, AutoIsTheDefault) {
    skip_unless_this_host_runs_io_uring();
    ::unsetenv("FULCRUM_PROXY_EVENT_LOOP");
    TestUpstream upstream("up");
    Child proxy(quick_mode(upstream, ""), {}, true);
    const auto port = port_of(proxy.wait_line("listener quick on"));
    EXPECT_FALSE(proxy.wait_line("event loop io_uring").empty());
    expect_serves_and_stops(proxy, port, "up");
}

TEST(ProxyEventLoop, TheDefaultFallsBackToEpollWhereIoUringIsRefused) {
    ::unsetenv("FULCRUM_PROXY_EVENT_LOOP");
    TestUpstream upstream("up");
    Child proxy(without_io_uring(quick_mode(upstream, "")), {}, true);
    EXPECT_FALSE(proxy.wait_line("running on epoll, not io_uring: io_uring is switched off here").empty());
    const auto port = port_of(proxy.wait_line("listener quick on"));
    EXPECT_FALSE(proxy.wait_line("event loop epoll").empty());
    expect_serves_and_stops(proxy, port, "up");
}

TEST(ProxyEventLoop, AskingForIoUringWhereItIsRefusedIsAClearErrorNotAFallBack) {
    TestUpstream upstream("up");
    Child proxy(without_io_uring(quick_mode(upstream, "io_uring")), {}, true);
    EXPECT_FALSE(proxy.wait_line("cannot run on io_uring: io_uring is switched off here").empty());
    EXPECT_EQ(proxy.wait_exit(5000), 1);
}

TEST(ProxyEventLoop, EpollWhenAskedForWhereIoUringWorks) {
    skip_unless_this_host_runs_io_uring();
    TestUpstream upstream("up");
    Child proxy(quick_mode(upstream, "epoll"), {}, true);
    const auto port = port_of(proxy.wait_line("listener quick on"));
    EXPECT_FALSE(proxy.wait_line("event loop epoll").empty());
    expect_serves_and_stops(proxy, port, "up");
}

// The agent starts its proxy without the flag: an operator chooses through the environment.
TEST(ProxyEventLoop, TheEnvironmentChoosesWhenTheFlagIsAbsent) {
    skip_unless_this_host_runs_io_uring();
    TestUpstream upstream("up");
    ::setenv("FULCRUM_PROXY_EVENT_LOOP", "epoll", 1);
    Child proxy(quick_mode(upstream, ""), {}, true);
    ::unsetenv("FULCRUM_PROXY_EVENT_LOOP");
    const auto port = port_of(proxy.wait_line("listener quick on"));
    EXPECT_FALSE(proxy.wait_line("event loop epoll").empty());
    expect_serves_and_stops(proxy, port, "up");
}

TEST(ProxyEventLoop, AnUnknownEventLoopIsRefused) {
    TestUpstream upstream("up");
    Child proxy(quick_mode(upstream, "kqueue"), {}, true);
    EXPECT_FALSE(proxy.wait_line("--event-loop is auto, epoll or io_uring, not \"kqueue\"").empty());
    EXPECT_EQ(proxy.wait_exit(5000), 2);
}
