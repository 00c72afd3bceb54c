#include "agent/workers/process_watcher.h"
#include "agent/workers/worker_instance.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

namespace fulcrum::agent {
namespace {

TEST(Backoff, DoublesFromTheInitialDelayAndIsCapped) {
    RestartSpec restart;
    restart.backoff_initial_ms = 500;
    restart.backoff_max_ms = 3000;
    EXPECT_EQ(backoff_delay_ms(restart, 1), 500);
    EXPECT_EQ(backoff_delay_ms(restart, 2), 1000);
    EXPECT_EQ(backoff_delay_ms(restart, 3), 2000);
    EXPECT_EQ(backoff_delay_ms(restart, 4), 3000);
    EXPECT_EQ(backoff_delay_ms(restart, 1000), 3000) << "no overflow after many failures";
}

TEST(ExitReason, InWordsForThePanel) {
    EXPECT_EQ(describe_wait_status(W_EXITCODE(1, 0)).reason, "exited with status 1");
    EXPECT_EQ(describe_wait_status(W_EXITCODE(0, 0)).exit_code, 0);
    EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGSEGV)).reason, "killed by SIGSEGV");
    EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGKILL)).signal, SIGKILL);
    EXPECT_NE(describe_wait_status(W_EXITCODE(127, 0)).reason.find("not found"), std::string::npos);
}

TEST(WorkerSpec, PortAndIndexAreSubstitutedInEveryArgument) {
    WorkerGroupSpec spec;
    spec.command = {"python3", "app.py", "--port={port}", "--name=w{index}-{port}", "{unknown}"};
    spec.ports = {8000, 8001};
    EXPECT_EQ(spec.argv_for(1),
              (std::vector<std::string>{"python3", "app.py", "--port=8001", "--name=w1-8001", "{unknown}"}));
    EXPECT_EQ(spec.command_line(), "python3 app.py --port={port} --name=w{index}-{port} {unknown}");
}

}  // namespace
}  // namespace fulcrum::agent
