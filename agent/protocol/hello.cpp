#include "agent/protocol/hello.h"

namespace fulcrum::protocol {

std::string incompatibility(const ProtocolVersion& agent, const ProtocolVersion& client) {
    if (agent.major == client.major) return {};
    const auto text = [](const ProtocolVersion& v) { return std::to_string(v.major) + "." + std::to_string(v.minor); };
    std::string message = "protocol mismatch: the agent speaks " + text(agent) + ", the panel speaks " + text(client);
    if (agent.major < client.major) return message + "; upgrade the agent (the panel can upload its own build with agent.upgrade)";
    return message + "; this agent is newer than the panel: upgrade the panel";
}

}  // namespace fulcrum::protocol
