#pragma once
// One JSON-RPC call to the fulcrum-agent on a simulated host, the way the panel reaches it:
// OpenSSH runs `~/.local/lib/fulcrum/fulcrum-agent rpc` (which starts the daemon if none
// runs), the call is preceded by agent.hello, and the reply is decoded. For test phases the
// panel's own commands (fulcrum-ctl) do not cover yet, and for checks of the agent's answers.

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace fulcrum::testing {

class SimHost;
class SimLab;

inline constexpr const char* kRemoteAgentPath = "~/.local/lib/fulcrum/fulcrum-agent";

struct RpcReply {
    bool ok = false;                // a result came back
    nlohmann::json hello;           // agent.hello's result
    nlohmann::json result;          // the call's result (the hello result for agent.hello)
    nlohmann::json error;           // the call's error object, or a transport error as {"message": ...}
    std::string describe() const;   // for assertion messages
};

RpcReply agent_rpc(const SimLab& lab, const SimHost& host, const std::string& method,
                   const nlohmann::json& params = nlohmann::json::object(),
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace fulcrum::testing
