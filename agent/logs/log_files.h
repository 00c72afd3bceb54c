#pragma once
// Where worker and proxy output lives, and how it is read back.
//
// Each worker instance (and the proxy) writes stdout to NAME.log and stderr to
// NAME.stderr.log, files it holds open itself with O_APPEND: the process keeps logging while
// the agent is down, and the two streams stay apart without a relay process that would die
// with the agent. The agent appends its own events ("[fulcrum-agent <time>] started pid
// 4711") to both files: readers report them once (from NAME.log) and use the copy in
// NAME.stderr.log to place stderr lines in time against stdout lines. Rotation is
// copy-then-truncate (the writer's O_APPEND offset follows the truncation), one generation
// kept as NAME.log.1.

#include "agent/protocol/logs.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::agent {

inline constexpr std::uint64_t kMaxLogBytes = 8 * 1024 * 1024;
inline constexpr const char* kAgentLinePrefix = "[fulcrum-agent ";
inline constexpr const char* kStdout = "stdout";
inline constexpr const char* kStderr = "stderr";

// One file of a log source: one stream of one process (index: the worker instance).
struct LogFile {
    std::filesystem::path path;
    std::optional<int> index;
    std::string stream = kStdout;  // kStdout (with the agent's events) or kStderr
    bool operator==(const LogFile&) const = default;
};

class LogFiles {
public:
    explicit LogFiles(std::filesystem::path dir) : m_dir(std::move(dir)) {}

    // stdout (and the agent's events) of one instance, and its stderr.
    std::filesystem::path instance_log(const std::string& group, int index) const;
    std::filesystem::path instance_stderr_log(const std::string& group, int index) const;
    std::filesystem::path proxy_log() const { return m_dir / "proxy.log"; }
    std::filesystem::path proxy_stderr_log() const { return m_dir / "proxy.stderr.log"; }
    const std::filesystem::path& dir() const { return m_dir; }

    // The live files of a source ("proxy", one instance, or the instances `indexes` of a group).
    std::vector<LogFile> live_files_of(const std::string& group, std::optional<int> index,
                                       const std::vector<int>& indexes) const;
    // The same with each file's rotated generation first (what logs.tail reads).
    std::vector<LogFile> files_of(const std::string& group, std::optional<int> index,
                                  const std::vector<int>& indexes) const;
    // The live file of `group` that `filename` (no directory) names, if it names one.
    static std::optional<LogFile> instance_file(const std::filesystem::path& dir, const std::string& group,
                                                const std::string& filename);

    // Appends one supervisor event line to the stdout and the stderr file of a process.
    static void append_agent_line(const std::filesystem::path& out, const std::filesystem::path& err,
                                  const std::string& text);

    // Copy-then-truncate when the file is larger than max_bytes; returns true if rotated.
    static bool rotate_if_large(const std::filesystem::path& file, std::uint64_t max_bytes = kMaxLogBytes);

    // The last `count` lines of the given files (each read backwards, bounded), merged by time.
    static protocol::LogsTailResult tail(const std::vector<LogFile>& files, const std::string& group, int count);

    // One line as it is reported: agent lines carry their own time, others get `fallback_ms`.
    static protocol::LogLine to_log_line(std::string text, const std::string& group, std::optional<int> index,
                                         const std::string& stream, std::int64_t fallback_ms);

private:
    std::filesystem::path m_dir;
};

}  // namespace fulcrum::agent
