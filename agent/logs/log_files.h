#pragma once
// Where worker and proxy output lives, and how it is read back.
//
// Each worker instance (and the proxy) writes stdout and stderr to ONE file that it holds
// open with O_APPEND: the process keeps logging while the agent is down, and the order of its
// stdout and stderr lines is kept. The agent appends its own events for that instance
// ("[fulcrum-agent <time>] started pid 4711") to the same file. Rotation is copy-then-truncate
// (the writer's O_APPEND offset follows the truncation), one generation kept as NAME.1.

#include "agent/protocol/logs.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::agent {

inline constexpr std::uint64_t kMaxLogBytes = 8 * 1024 * 1024;
inline constexpr const char* kAgentLinePrefix = "[fulcrum-agent ";

class LogFiles {
public:
    explicit LogFiles(std::filesystem::path dir) : m_dir(std::move(dir)) {}

    std::filesystem::path instance_log(const std::string& group, int index) const;
    std::filesystem::path proxy_log() const { return m_dir / "proxy.log"; }
    const std::filesystem::path& dir() const { return m_dir; }

    // The files of a source, oldest first: the rotated generation, then the live file.
    std::vector<std::filesystem::path> files_of(const std::string& group, std::optional<int> index,
                                                const std::vector<int>& indexes) const;

    // Appends one supervisor event line to a log file.
    static void append_agent_line(const std::filesystem::path& file, const std::string& text);

    // Copy-then-truncate when the file is larger than max_bytes; returns true if rotated.
    static bool rotate_if_large(const std::filesystem::path& file, std::uint64_t max_bytes = kMaxLogBytes);

    // The last `count` lines of the given files (each read backwards, bounded), merged by time.
    static protocol::LogsTailResult tail(const std::vector<std::pair<std::filesystem::path, std::optional<int>>>& files,
                                         const std::string& group, int count);

    // One line as it is reported: agent lines carry their own time, others get `fallback_ms`.
    static protocol::LogLine to_log_line(std::string text, const std::string& group, std::optional<int> index,
                                         std::int64_t fallback_ms);

private:
    std::filesystem::path m_dir;
};

}  // namespace fulcrum::agent
