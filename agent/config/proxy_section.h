#pragma once
// The part of the host config that belongs to the proxy (listeners, routes, pools, ...).
// The proxy owns its schema; this is the agent's seam to it.

#include "agent/config/worker_spec.h"
#include "agent/protocol/config.h"
#include "agent/protocol/workers.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace fulcrum::agent {

// Appends every problem in the proxy's part of the document, with JSON paths, using the
// proxy's own reader (proxy/config), so `config.validate` and the proxy can never disagree.
// With the text the document came from, errors carry line and column (and duplicate keys
// are found).
void validate_proxy_section(const nlohmann::json& document, const std::string* text,
                            std::vector<protocol::ValidationError>& errors);

// Fills line and column of errors that have only a path, from the text they refer to.
void locate_errors(const std::string& text, std::vector<protocol::ValidationError>& errors, std::size_t from);

// True when the config asks for a proxy at all (it has at least one listener).
bool proxy_configured(const nlohmann::json& document);

// One worker instance as a server of the pools that follow its group, with the state the
// proxy should give it: "active" once it passed its health check, "draining" while it leaves
// (scale-down, stop), "disabled" otherwise (starting, unhealthy, crashed, failing).
struct FollowedServer {
    int port = 0;
    std::string state;
    bool operator==(const FollowedServer&) const = default;
};
using FollowedServers = std::map<std::string, std::vector<FollowedServer>>;  // by group name

// The proxy's view of the groups as they are now (instances leaving are listed as stopping).
FollowedServers followed_servers(const std::vector<protocol::WorkerGroupStatus>& groups);

// The config the proxy process is given: the document without `workers`, each pool with
// `follow_workers` getting one server 127.0.0.1:PORT per instance of that group in
// `followed` (after any servers listed explicitly, which win on the same address).
nlohmann::json effective_proxy_config(const nlohmann::json& document, const FollowedServers& followed);

}  // namespace fulcrum::agent
