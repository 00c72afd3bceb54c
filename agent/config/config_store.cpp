#include "agent/config/config_store.h"

#include "agent/config/config_validator.h"
#include "agent/util/files.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

namespace fulcrum::agent {

namespace fs = std::filesystem;
using nlohmann::json;

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) return {};
    std::string hex;
    char byte[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(byte, sizeof byte, "%02x", digest[i]);
        hex += byte;
    }
    return hex;
}

namespace {

// "0042.json" → 42; nullopt for anything else (temp files, stray files).
std::optional<std::int64_t> version_of(const fs::path& path) {
    const std::string name = path.filename().string();
    if (name.size() < 6 || name.substr(name.size() - 5) != ".json") return std::nullopt;
    const std::string digits = name.substr(0, name.size() - 5);
    if (digits.empty() || digits.size() > 15 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return std::nullopt;
    return std::stoll(digits);
}

void remove_temp_files(const fs::path& dir) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
        const std::string name = entry.path().filename().string();
        if (name.size() > 1 && name.front() == '.' && name.find(".tmp") != std::string::npos) fs::remove(entry.path(), error);
    }
}

}  // namespace

ConfigStore::ConfigStore(fs::path config_dir, std::size_t keep) : m_dir(std::move(config_dir)), m_keep(keep) {}

fs::path ConfigStore::history_path(std::int64_t version) const {
    char name[32];
    std::snprintf(name, sizeof name, "%04lld.json", static_cast<long long>(version));
    return m_dir / "history" / name;
}

std::optional<StoredConfig> ConfigStore::read_version_file(const fs::path& path) const {
    const auto raw = read_small_file(path, 2 * kMaxConfigBytes + 65536);
    if (!raw) return std::nullopt;
    json envelope = json::parse(*raw, nullptr, false);
    if (envelope.is_discarded() || !envelope.is_object()) return std::nullopt;
    try {
        StoredConfig stored;
        stored.version = envelope.at("version").get<std::int64_t>();
        stored.applied_at_ms = envelope.at("applied_at_ms").get<std::int64_t>();
        stored.comment = envelope.value("comment", "");
        stored.sha256 = envelope.at("sha256").get<std::string>();
        stored.text = envelope.at("text").get<std::string>();
        if (sha256_hex(stored.text) != stored.sha256) return std::nullopt;
        stored.document = json::parse(stored.text);
        return stored;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::vector<std::string> ConfigStore::load() {
    std::vector<std::string> notes;
    const fs::path history_dir = m_dir / "history";
    std::error_code error;
    fs::create_directories(history_dir, error);
    remove_temp_files(m_dir);
    remove_temp_files(history_dir);

    std::vector<std::int64_t> versions;
    for (const auto& entry : fs::directory_iterator(history_dir, error)) {
        if (auto v = version_of(entry.path())) versions.push_back(*v);
    }
    std::sort(versions.begin(), versions.end());
    m_entries.clear();
    m_current = StoredConfig{};
    for (std::int64_t v : versions) {
        auto stored = read_version_file(history_path(v));
        if (!stored || stored->version != v) {
            notes.push_back("config version " + std::to_string(v) + " is damaged and was skipped");
            continue;
        }
        m_entries.push_back({stored->version, stored->applied_at_ms, stored->comment, stored->text.size(), stored->sha256});
        m_current = std::move(*stored);
    }

    if (m_current.version == 0) {
        // No history yet, but someone wrote current.json by hand: it becomes version 1.
        if (auto text = read_small_file(current_path(), kMaxConfigBytes)) {
            std::vector<protocol::ValidationError> ignored;
            if (auto parsed = parse_config_text(*text, ignored)) {
                if (commit(parsed->text, parsed->document, "adopted config/current.json", 0).empty())
                    notes.push_back("adopted the existing config/current.json as version 1");
            } else {
                notes.push_back("config/current.json is not valid JSON and was ignored");
            }
        }
        return notes;
    }
    // A crash between the history write and current.json leaves current.json behind: repair it.
    if (read_small_file(current_path(), kMaxConfigBytes) != m_current.text) {
        if (auto failure = write_file_atomically(current_path(), m_current.text); failure.empty())
            notes.push_back("config/current.json restored from version " + std::to_string(m_current.version));
        else
            notes.push_back(failure);
    }
    return notes;
}

std::optional<StoredConfig> ConfigStore::get(std::int64_t version) const {
    if (version == m_current.version) return m_current;
    if (std::none_of(m_entries.begin(), m_entries.end(), [&](const auto& e) { return e.version == version; }))
        return std::nullopt;
    return read_version_file(history_path(version));
}

protocol::ConfigHistoryResult ConfigStore::history(int limit) const {
    protocol::ConfigHistoryResult result;
    result.current_version = m_current.version;
    const std::size_t count = std::min<std::size_t>(m_entries.size(), static_cast<std::size_t>(std::max(limit, 0)));
    for (std::size_t i = 0; i < count; ++i) result.entries.push_back(m_entries[m_entries.size() - 1 - i]);
    return result;
}

std::string ConfigStore::commit(const std::string& text, const json& document, const std::string& comment,
                                std::int64_t now_ms) {
    StoredConfig next;
    next.version = m_current.version + 1;
    next.applied_at_ms = now_ms;
    next.comment = comment.substr(0, 1000);
    next.sha256 = sha256_hex(text);
    next.text = text;
    next.document = document;
    const json envelope = {{"version", next.version},     {"applied_at_ms", next.applied_at_ms},
                           {"comment", next.comment},     {"sha256", next.sha256},
                           {"text", next.text}};
    // History first: it is the commit point. If current.json cannot be written the version
    // still exists, and load() rewrites current.json from history on the next start.
    if (auto error = write_file_atomically(history_path(next.version),
                                           envelope.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
        !error.empty())
        return error;
    (void)write_file_atomically(current_path(), next.text);
    m_entries.push_back({next.version, next.applied_at_ms, next.comment, next.text.size(), next.sha256});
    m_current = std::move(next);
    prune();
    return {};
}

void ConfigStore::prune() {
    while (m_entries.size() > m_keep) {
        std::error_code error;
        fs::remove(history_path(m_entries.front().version), error);
        m_entries.erase(m_entries.begin());
    }
}

}  // namespace fulcrum::agent
