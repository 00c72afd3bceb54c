// fulcrum-simhost: the machine ("power supply") and init of one simulated host, started by
// the SimLab test harness. Not a product binary; see machine.h and host_init.h.
#include "tests/support/simhost/host_init.h"
#include "tests/support/simhost/machine.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

int main(int argc, char** argv) {
    using namespace fulcrum::testing::simhost;
    if (argc < 2 || (argc % 2) != 0) {
        std::fprintf(stderr, "usage: fulcrum-simhost machine|init --key value ...\n");
        return 2;
    }
    const std::string mode = argv[1];
    std::map<std::string, std::string> args;
    for (int i = 2; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
    if (mode == "machine") {
        MachineOptions options;
        options.state = args["--state"];
        options.hostname = args["--hostname"];
        options.netns_path = args["--netns"];
        options.parent = static_cast<pid_t>(std::atol(args["--parent"].c_str()));
        if (args.count("--down-ms")) options.down_ms = std::atoi(args["--down-ms"].c_str());
        return run_machine(options);
    }
    if (mode == "init") {
        return run_init(InitOptions{args["--state"], args["--hostname"]});
    }
    std::fprintf(stderr, "fulcrum-simhost: unknown mode %s\n", mode.c_str());
    return 2;
}
