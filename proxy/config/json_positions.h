#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fulcrum::proxy::config {

struct TextPosition {
    int line = 0;  // 1-based; 0 when unknown
    int column = 0;
};

// Where each value of a JSON text starts, by path ("pools[0].servers[1].address"; "" is the
// root). For an object member the position is that of its key, which is where a reader's eye
// goes for "unknown key" and "bad value" alike. Run on text that nlohmann already accepted,
// but written defensively: on anything unexpected it stops and keeps what it has.
// Duplicate keys (which nlohmann silently collapses to the last) are reported by path.
class JsonPositions {
public:
    static JsonPositions scan(std::string_view text);

    // The position of `path`, or of its nearest ancestor that has one.
    TextPosition find(std::string_view path) const;
    const std::vector<std::string>& duplicate_keys() const { return m_duplicates; }

    // Line and column (1-based, columns count characters, not bytes) of a byte offset.
    static TextPosition position_of(std::string_view text, std::size_t offset);

private:
    std::unordered_map<std::string, TextPosition> m_positions;
    std::vector<std::string> m_duplicates;

    friend class JsonPositionScanner;
};

}  // namespace fulcrum::proxy::config
