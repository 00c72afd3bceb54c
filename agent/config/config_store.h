#pragma once
// The desired host config, versioned on disk under the state directory:
//
//   config/history/NNNN.json  one file per version: {"version", "applied_at_ms", "comment",
//                             "sha256", "text"} — the commit point of an apply
//   config/current.json       the text of the newest version, verbatim (what `check` and
//                             people read)
//
// Every file is written atomically (temp, fsync, rename, fsync dir). A crash between the two
// writes leaves history one version ahead of current.json; load() repairs that, removes
// abandoned temp files, and skips history files whose checksum does not match.

#include "agent/protocol/config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::agent {

struct StoredConfig {
    std::int64_t version = 0;
    std::int64_t applied_at_ms = 0;
    std::string comment;
    std::string sha256;
    std::string text;
    nlohmann::json document = nlohmann::json::object();
};

class ConfigStore {
public:
    static constexpr std::size_t kKeptVersions = 50;

    explicit ConfigStore(std::filesystem::path config_dir, std::size_t keep = kKeptVersions);

    // Restores the newest intact version; returns human-readable notes about repairs made.
    std::vector<std::string> load();

    // The newest version; version 0 (empty document) before the first apply.
    const StoredConfig& current() const { return m_current; }
    std::optional<StoredConfig> get(std::int64_t version) const;
    protocol::ConfigHistoryResult history(int limit) const;

    // Writes `text` as the next version; returns an error message on failure (nothing changed).
    std::string commit(const std::string& text, const nlohmann::json& document, const std::string& comment,
                       std::int64_t now_ms);

    std::filesystem::path current_path() const { return m_dir / "current.json"; }
    std::filesystem::path history_path(std::int64_t version) const;

private:
    std::optional<StoredConfig> read_version_file(const std::filesystem::path& path) const;
    void prune();

    std::filesystem::path m_dir;
    std::size_t m_keep;
    StoredConfig m_current;
    std::vector<protocol::ConfigHistoryEntry> m_entries;  // oldest first
};

std::string sha256_hex(std::string_view data);

}  // namespace fulcrum::agent
