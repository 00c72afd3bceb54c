#pragma once
// The part of the host config that belongs to the proxy (listeners, routes, pools, ...).
// The proxy owns its schema; this is the agent's seam to it.

#include "agent/config/worker_spec.h"
#include "agent/protocol/config.h"

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

// The config the proxy process is given: the document without `workers`, each pool with
// `follow_workers` getting one server 127.0.0.1:PORT per instance port of that group (after any
// servers listed explicitly). Ports in `draining` (per group) are kept with state "draining",
// so the proxy sends them no new requests while they finish the ones they have.
using DrainingPorts = std::map<std::string, std::vector<int>>;
nlohmann::json effective_proxy_config(const nlohmann::json& document, const std::vector<WorkerGroupSpec>& workers,
                                      const DrainingPorts& draining = {});

}  // namespace fulcrum::agent
