#include "tests/e2e/support/agent_rpc.h"

#include <sstream>

#include "tests/support/simhost/lab.h"

namespace fulcrum::testing {

using json = nlohmann::json;

std::string RpcReply::describe() const {
    return ok ? result.dump() : "error: " + error.dump();
}

RpcReply agent_rpc(const SimLab& lab, const SimHost& host, const std::string& method, const json& params,
                   std::chrono::milliseconds timeout) {
    const json hello = {{"jsonrpc", "2.0"},
                        {"id", 1},
                        {"method", "agent.hello"},
                        {"params",
                         {{"client_name", "fulcrum-e2e"},
                          {"client_version", "0.1.0"},
                          {"protocol", {{"major", 1}, {"minor", 0}}},
                          {"capabilities", json::array()}}}};
    std::string input = hello.dump() + "\n";
    if (method != "agent.hello") {
        input += json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", method}, {"params", params}}.dump() + "\n";
    }
    auto argv = lab.ssh_command(host);
    argv.push_back(std::string("exec ") + kRemoteAgentPath + " rpc");
    // The bridge answers every request it read before stdin's end, then exits.
    const CommandResult run = run_command(argv, timeout, input);

    RpcReply reply;
    std::istringstream lines(run.out);
    for (std::string line; std::getline(lines, line);) {
        const json message = json::parse(line, nullptr, false);
        if (!message.is_object() || !message.contains("id")) continue;  // notifications
        const json& id = message["id"];
        if (id == 1) reply.hello = message.value("result", json());
        const bool ours = method == "agent.hello" ? id == 1 : id == 2;
        if (!ours) continue;
        if (message.contains("result")) {
            reply.ok = true;
            reply.result = message["result"];
        } else {
            reply.error = message.value("error", json());
        }
    }
    if (!reply.ok && reply.error.is_null()) {
        reply.error = {{"message", "no reply (exit " + std::to_string(run.exit_code) +
                                       (run.timed_out ? ", timed out" : "") + "): " + run.err}};
    }
    return reply;
}

}  // namespace fulcrum::testing
