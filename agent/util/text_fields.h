#pragma once
// Reading numbers out of /proc text without streams or allocations: the daemon parses a few
// such files every second for as long as it runs.

#include <charconv>
#include <string_view>

namespace fulcrum::agent {

// Skips spaces and tabs, then reads one number into `out` and consumes it. False (and `rest`
// left at the offending text) if no number of that type starts there.
template <typename T>
bool next_number(std::string_view& rest, T& out) {
    const auto start = rest.find_first_not_of(" \t");
    if (start == std::string_view::npos) return false;
    const char* first = rest.data() + start;
    const auto [end, error] = std::from_chars(first, rest.data() + rest.size(), out);
    if (error != std::errc()) return false;
    rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
    return true;
}

// Skips spaces and tabs, then one word (anything up to the next space, tab or newline). False
// if there is none.
inline bool skip_word(std::string_view& rest) {
    const auto start = rest.find_first_not_of(" \t");
    if (start == std::string_view::npos || rest[start] == '\n') return false;
    const auto end = rest.find_first_of(" \t\n", start);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return true;
}

// The line starting at `text` (without its newline), and `text` advanced past it.
inline std::string_view next_line(std::string_view& text) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    return line;
}

}  // namespace fulcrum::agent
