#include "agent/logs/log_files.h"

#include "agent/daemon/clock.h"
#include "agent/util/unique_fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

namespace fulcrum::agent {

namespace fs = std::filesystem;

namespace {

std::string utc_stamp(std::int64_t ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(ms % 1000));
    return out;
}

std::optional<std::int64_t> parse_stamp(std::string_view text) {
    // 2026-12-01T20:00:00.123Z
    if (text.size() < 24) return std::nullopt;
    std::tm utc{};
    const std::string s(text.substr(0, 24));
    int ms = 0;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &utc.tm_year, &utc.tm_mon, &utc.tm_mday, &utc.tm_hour,
                    &utc.tm_min, &utc.tm_sec, &ms) != 7)
        return std::nullopt;
    utc.tm_year -= 1900;
    utc.tm_mon -= 1;
    return static_cast<std::int64_t>(timegm(&utc)) * 1000 + ms;
}

// Reads lines backwards from the end of a file: at most `count` lines and 16 MiB.
std::vector<std::string> last_lines(const fs::path& file, int count, bool& more) {
    std::vector<std::string> lines;
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return lines;
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) return lines;
    off_t end = info.st_size;
    const off_t floor = std::max<off_t>(0, end - 16 * 1024 * 1024);
    std::string carry;  // the start of a line whose beginning is in an earlier chunk
    char buffer[65536];
    bool first_chunk = true;
    while (end > floor && static_cast<int>(lines.size()) <= count) {
        const off_t start = std::max<off_t>(floor, end - static_cast<off_t>(sizeof buffer));
        const ssize_t n = ::pread(fd.get(), buffer, static_cast<std::size_t>(end - start), start);
        if (n <= 0) break;
        std::string chunk(buffer, static_cast<std::size_t>(n));
        chunk += carry;
        if (first_chunk && !chunk.empty() && chunk.back() == '\n') chunk.pop_back();
        first_chunk = false;
        std::size_t stop = chunk.size();
        while (true) {
            const auto nl = chunk.rfind('\n', stop == 0 ? 0 : stop - 1);
            if (nl == std::string::npos || stop == 0) break;
            lines.push_back(chunk.substr(nl + 1, stop - nl - 1));
            stop = nl;
            if (static_cast<int>(lines.size()) > count) break;
        }
        carry = chunk.substr(0, stop);
        end = start;
    }
    if (end <= floor && !carry.empty() && static_cast<int>(lines.size()) <= count) lines.push_back(carry);
    more = static_cast<int>(lines.size()) > count || floor > 0 || end > 0;
    if (static_cast<int>(lines.size()) > count) lines.resize(static_cast<std::size_t>(count));
    std::reverse(lines.begin(), lines.end());
    return lines;
}

std::int64_t mtime_ms(const fs::path& file) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) return 0;
    return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000 + info.st_mtim.tv_nsec / 1000000;
}

}  // namespace

fs::path LogFiles::instance_log(const std::string& group, int index) const {
    return m_dir / (group + "." + std::to_string(index) + ".log");
}

fs::path LogFiles::instance_stderr_log(const std::string& group, int index) const {
    return m_dir / (group + "." + std::to_string(index) + ".stderr.log");
}

std::vector<LogFile> LogFiles::live_files_of(const std::string& group, std::optional<int> index,
                                             const std::vector<int>& indexes) const {
    std::vector<LogFile> files;
    if (group == "proxy") {
        files.push_back({proxy_log(), std::nullopt, kStdout});
        files.push_back({proxy_stderr_log(), std::nullopt, kStderr});
        return files;
    }
    auto add = [&](int i) {
        files.push_back({instance_log(group, i), i, kStdout});
        files.push_back({instance_stderr_log(group, i), i, kStderr});
    };
    if (index) {
        add(*index);
    } else {
        for (int i : indexes) add(i);
    }
    return files;
}

std::vector<LogFile> LogFiles::files_of(const std::string& group, std::optional<int> index,
                                        const std::vector<int>& indexes) const {
    std::vector<LogFile> files;
    for (auto& live : live_files_of(group, index, indexes)) {
        files.push_back({fs::path(live.path.string() + ".1"), live.index, live.stream});
        files.push_back(std::move(live));
    }
    return files;
}

std::optional<LogFile> LogFiles::instance_file(const fs::path& dir, const std::string& group,
                                               const std::string& filename) {
    // GROUP.N.log or GROUP.N.stderr.log; group names have no dots, so this is unambiguous.
    if (filename.size() <= group.size() + 1 || filename.compare(0, group.size(), group) != 0 ||
        filename[group.size()] != '.')
        return std::nullopt;
    const std::string rest = filename.substr(group.size() + 1);
    const auto digits = rest.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string::npos || digits > 4) return std::nullopt;
    const std::string suffix = rest.substr(digits);
    if (suffix != ".log" && suffix != ".stderr.log") return std::nullopt;
    return LogFile{dir / filename, std::stoi(rest.substr(0, digits)), suffix == ".log" ? kStdout : kStderr};
}

void LogFiles::append_agent_line(const fs::path& out, const fs::path& err, const std::string& text) {
    // One event is one line, whatever the text holds (a command may contain newlines).
    std::string flat = text;
    for (char& c : flat) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    const std::string line = std::string(kAgentLinePrefix) + utc_stamp(now_ms()) + "] " + flat + "\n";
    for (const auto* file : {&out, &err}) {
        UniqueFd fd(::open(file->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
        if (!fd.valid()) continue;
        if (::write(fd.get(), line.data(), line.size()) < 0) {
            // A full disk must not stop supervision; the event is lost, the state is still reported.
        }
    }
}

bool LogFiles::rotate_if_large(const fs::path& file, std::uint64_t max_bytes) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0 || static_cast<std::uint64_t>(info.st_size) <= max_bytes) return false;
    const fs::path rotated = file.string() + ".1";
    std::error_code error;
    fs::copy_file(file, rotated, fs::copy_options::overwrite_existing, error);
    if (error) return false;
    // Lines written between the copy and the truncation are lost; that window is microseconds.
    return ::truncate(file.c_str(), 0) == 0;
}

protocol::LogLine LogFiles::to_log_line(std::string text, const std::string& group, std::optional<int> index,
                                        const std::string& stream, std::int64_t fallback_ms) {
    protocol::LogLine line;
    line.group = group;
    line.index = index;
    line.time_ms = fallback_ms;
    line.stream = stream;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    const std::string_view prefix = kAgentLinePrefix;
    if (text.compare(0, prefix.size(), prefix) == 0) {
        line.stream = "agent";
        if (auto at = parse_stamp(std::string_view(text).substr(prefix.size()))) line.time_ms = *at;
        const auto close = text.find("] ");
        if (close != std::string::npos) text = text.substr(close + 2);
    }
    line.text = std::move(text);
    return line;
}

protocol::LogsTailResult LogFiles::tail(const std::vector<LogFile>& files, const std::string& group, int count) {
    protocol::LogsTailResult result;
    count = std::clamp(count, 0, protocol::kMaxTailLines);
    // One run per file, in file order (which is the true order within it).
    std::vector<std::vector<protocol::LogLine>> runs;
    for (const auto& file : files) {
        bool more = false;
        std::vector<protocol::LogLine> run;
        for (auto& text : last_lines(file.path, count, more))
            run.push_back(to_log_line(std::move(text), group, file.index, file.stream, 0));
        if (more) result.truncated = true;
        // Output lines have no time of their own; each was written before the next agent event
        // in its file, so it gets that event's time (the file's modification time after the
        // last one). That places stdout, stderr and other instances' lines against each other.
        std::int64_t next_event = mtime_ms(file.path);
        for (auto it = run.rbegin(); it != run.rend(); ++it) {
            if (it->stream == "agent") {
                next_event = std::min(next_event, it->time_ms);
            } else {
                it->time_ms = next_event;
            }
        }
        // The events' copies in the stderr file only served as time marks.
        if (file.stream == kStderr)
            std::erase_if(run, [](const protocol::LogLine& line) { return line.stream == "agent"; });
        if (!run.empty()) runs.push_back(std::move(run));
    }
    // Merged by time from the newest end, only as far as `count` lines: a tie puts the later
    // file's line last, and each file's own order is never changed.
    std::vector<std::size_t> left(runs.size());
    for (std::size_t r = 0; r < runs.size(); ++r) left[r] = runs[r].size();
    // An output line dated by an event was written before it: at equal times it goes first.
    auto key = [](const protocol::LogLine& line) { return std::pair(line.time_ms, line.stream == "agent"); };
    std::vector<protocol::LogLine> all;
    while (static_cast<int>(all.size()) < count) {
        std::optional<std::size_t> pick;
        for (std::size_t r = 0; r < runs.size(); ++r) {
            if (left[r] == 0) continue;
            if (!pick || key(runs[r][left[r] - 1]) >= key(runs[*pick][left[*pick] - 1])) pick = r;
        }
        if (!pick) break;
        all.push_back(std::move(runs[*pick][--left[*pick]]));
    }
    if (std::any_of(left.begin(), left.end(), [](std::size_t n) { return n > 0; })) result.truncated = true;
    std::reverse(all.begin(), all.end());
    result.lines = std::move(all);
    return result;
}

}  // namespace fulcrum::agent
