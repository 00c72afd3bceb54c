#pragma once
// Splits a byte stream into lines with a hard upper bound on line length, so a peer that never
// sends '\n' cannot make the reader grow without limit.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace fulcrum::protocol {

// Large enough for a full host config sent as text inside config.apply.
inline constexpr std::size_t kDefaultMaxLineBytes = 4 * 1024 * 1024;

// An over-long line: its bytes were dropped up to the next '\n' and reading continues there.
struct LineTooLong {
    std::size_t limit = 0;
    std::size_t dropped_bytes = 0;  // bytes of the line seen when the limit was crossed (a lower bound)
};

using DecodedLine = std::variant<std::string, LineTooLong>;

class LineDecoder {
public:
    explicit LineDecoder(std::size_t max_line_bytes = kDefaultMaxLineBytes);

    // Appends received bytes. Never throws except std::bad_alloc, and buffers at most
    // max_line_bytes of an unfinished line.
    void feed(std::string_view bytes);

    // The next complete line (without "\n" or "\r\n"; empty lines are skipped) or the report of
    // an over-long one, reported once per line as soon as the limit is crossed.
    std::optional<DecodedLine> next();

    // Bytes of an unfinished last line (e.g. to report a truncated message at end of input).
    std::size_t pending_bytes() const { return m_buffer.size() - m_scan_from; }
    std::size_t max_line_bytes() const { return m_max_line_bytes; }

private:
    void compact();

    std::size_t m_max_line_bytes;
    std::string m_buffer;
    std::size_t m_scan_from = 0;   // start of the not yet returned data in m_buffer
    std::size_t m_open_line = 0;   // bytes of the unfinished last line held in m_buffer
    bool m_discarding = false;     // inside an over-long line, dropping until '\n'
    // Over-long lines not yet reported, with the buffer offset where they occurred, so the
    // report comes out in wire order between the lines around it.
    struct PendingReport {
        std::size_t offset;
        LineTooLong report;
    };
    std::deque<PendingReport> m_reports;
};

}  // namespace fulcrum::protocol
