#pragma once
// config.*: the host's desired state (listeners, routes, pools, workers) as one JSON document.
// The document's schema belongs to the proxy and agent config code; here it travels as JSON.

#include "agent/protocol/json_fields.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::protocol {

// One problem in a config. `path` is a JSON pointer-like dotted path ("pools[0].servers[1].address");
// line and column are 1-based and 0 when the document was sent as JSON rather than text.
struct ValidationError {
    std::string path;
    int line = 0;
    int column = 0;
    std::string message;
    bool operator==(const ValidationError&) const = default;
};
FULCRUM_PROTOCOL_JSON(ValidationError, path, line, column, message)

// A config sent by the panel: `text` (preferred: errors then carry line and column) or
// `document`. Exactly one must be present.
struct ConfigSource {
    std::optional<std::string> text;
    std::optional<nlohmann::json> document;
    bool operator==(const ConfigSource&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigSource, text, document)

struct ConfigGetParams {
    std::optional<std::int64_t> version;  // absent: the current one
    bool operator==(const ConfigGetParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigGetParams, version)

struct ConfigGetResult {
    std::int64_t version = 0;  // 0: no config applied yet (document is the empty default)
    std::int64_t applied_at_ms = 0;
    nlohmann::json document = nlohmann::json::object();
    std::string text;  // the exact bytes stored, so the panel's editor shows what was written
    bool operator==(const ConfigGetResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigGetResult, version, applied_at_ms, document, text)

struct ConfigValidateParams {
    ConfigSource config;
    bool operator==(const ConfigValidateParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigValidateParams, config)

struct ConfigValidateResult {
    bool valid = false;
    std::vector<ValidationError> errors;  // every error, not only the first
    bool operator==(const ConfigValidateResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigValidateResult, valid, errors)

struct ConfigApplyParams {
    ConfigSource config;
    // Optimistic concurrency: when set and the current version differs, the apply is refused
    // with Conflict, so two panels cannot silently overwrite each other.
    std::optional<std::int64_t> expected_version;
    std::string comment;
    bool operator==(const ConfigApplyParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigApplyParams, config, expected_version, comment)

// Answer to apply and rollback. An invalid config is an error (ConfigInvalid, data.errors).
struct ConfigApplyResult {
    std::int64_t version = 0;
    bool changed = false;          // false when the document equals the current one
    bool proxy_reloaded = false;   // the running proxy confirmed the new config
    std::vector<std::string> workers_changed;  // groups started, stopped, rescaled or restarted
    std::vector<std::string> notes;             // human-readable, e.g. "proxy not running: starts it"
    bool operator==(const ConfigApplyResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigApplyResult, version, changed, proxy_reloaded, workers_changed, notes)

struct ConfigHistoryParams {
    int limit = 50;
    bool operator==(const ConfigHistoryParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigHistoryParams, limit)

struct ConfigHistoryEntry {
    std::int64_t version = 0;
    std::int64_t applied_at_ms = 0;
    std::string comment;
    std::uint64_t size_bytes = 0;
    std::string sha256;
    bool operator==(const ConfigHistoryEntry&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigHistoryEntry, version, applied_at_ms, comment, size_bytes, sha256)

struct ConfigHistoryResult {
    std::int64_t current_version = 0;
    std::vector<ConfigHistoryEntry> entries;  // newest first
    bool operator==(const ConfigHistoryResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigHistoryResult, current_version, entries)

// Re-applies an old version as a new one (history only grows).
struct ConfigRollbackParams {
    std::int64_t version = 0;
    std::optional<std::int64_t> expected_version;
    bool operator==(const ConfigRollbackParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigRollbackParams, version, expected_version)

struct ConfigChanged {
    std::int64_t version = 0;
    std::string comment;
    bool operator==(const ConfigChanged&) const = default;
};
FULCRUM_PROTOCOL_JSON(ConfigChanged, version, comment)

}  // namespace fulcrum::protocol
