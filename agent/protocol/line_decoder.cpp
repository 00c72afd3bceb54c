#include "agent/protocol/line_decoder.h"

#include <algorithm>

namespace fulcrum::protocol {

LineDecoder::LineDecoder(std::size_t max_line_bytes) : m_max_line_bytes(std::max<std::size_t>(max_line_bytes, 1)) {}

void LineDecoder::feed(std::string_view bytes) {
    compact();
    while (!bytes.empty()) {
        if (m_discarding) {
            const auto newline = bytes.find('\n');
            if (newline == std::string_view::npos) return;
            bytes.remove_prefix(newline + 1);
            m_discarding = false;
            continue;
        }
        const auto newline = bytes.find('\n');
        const std::size_t segment = newline == std::string_view::npos ? bytes.size() : newline;
        if (m_open_line + segment > m_max_line_bytes) {
            // Drop what we hold of this line; the rest is dropped up to its '\n'.
            m_buffer.resize(m_buffer.size() - m_open_line);
            m_reports.push_back({m_buffer.size(), LineTooLong{m_max_line_bytes, m_open_line + segment}});
            m_open_line = 0;
            m_discarding = true;
            continue;
        }
        const std::size_t take = newline == std::string_view::npos ? bytes.size() : newline + 1;
        m_buffer.append(bytes.substr(0, take));
        m_open_line = newline == std::string_view::npos ? m_open_line + take : 0;
        bytes.remove_prefix(take);
    }
}

std::optional<DecodedLine> LineDecoder::next() {
    while (true) {
        if (!m_reports.empty() && m_reports.front().offset <= m_scan_from) {
            // Reported as soon as the limit is crossed, so a peer waiting for an answer gets one.
            LineTooLong report = m_reports.front().report;
            m_reports.pop_front();
            return DecodedLine{report};
        }
        const std::string_view rest(m_buffer.data() + m_scan_from, m_buffer.size() - m_scan_from - m_open_line);
        const auto newline = rest.find('\n');
        if (newline == std::string_view::npos) break;
        std::string_view line = rest.substr(0, newline);
        m_scan_from += newline + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        return DecodedLine{std::string(line)};
    }
    return std::nullopt;
}

void LineDecoder::compact() {
    if (m_scan_from == 0) return;
    m_buffer.erase(0, m_scan_from);
    for (auto& pending : m_reports) pending.offset -= std::min(pending.offset, m_scan_from);
    m_scan_from = 0;
}

}  // namespace fulcrum::protocol
