#pragma once
// Reads a host config sent by the panel (text or document) and checks it: every problem is
// reported with its JSON path (and line/column for text), never only the first.
//
// The proxy owns the schema of listeners/routes/pools (proxy/config); the agent owns the
// `workers` section and the checks that span both (follow_workers names a group, worker ports
// do not collide with each other or with listeners).

#include "agent/config/worker_spec.h"
#include "agent/protocol/config.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace fulcrum::agent {

// Largest config text accepted; the RPC line limit is 4 MiB and the config travels inside it.
inline constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;
inline constexpr int kMaxGroupInstances = 256;
inline constexpr int kMaxWorkerGroups = 64;

struct ParsedConfig {
    std::string text;  // what will be stored: the sent text verbatim, or the document pretty-printed
    nlohmann::json document;
    bool from_text = true;  // errors then carry line and column within `text`
};

struct ValidatedConfig {
    ParsedConfig parsed;
    std::vector<WorkerGroupSpec> workers;
};

// Parses a ConfigSource; on failure returns the errors (a syntax error carries line/column).
std::optional<ParsedConfig> parse_config_source(const protocol::ConfigSource& source,
                                                std::vector<protocol::ValidationError>& errors);
std::optional<ParsedConfig> parse_config_text(std::string text, std::vector<protocol::ValidationError>& errors);

// Checks the whole document. Never throws; errors are appended.
std::optional<ValidatedConfig> validate_config(ParsedConfig parsed, std::vector<protocol::ValidationError>& errors);

// Only the `workers` section (also used by workers.scale on an already valid document).
std::vector<WorkerGroupSpec> parse_workers_section(const nlohmann::json& document,
                                                   std::vector<protocol::ValidationError>& errors);

}  // namespace fulcrum::agent
