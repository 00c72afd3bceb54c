#include "proxy/config/json_positions.h"

#include <unordered_set>

namespace fulcrum::proxy::config {

namespace {
constexpr int kMaxDepth = 128;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}
}  // namespace

class JsonPositionScanner {
public:
    JsonPositionScanner(std::string_view text, JsonPositions& out) : m_text(text), m_out(out) {}

    void run() {
        skip_space();
        value("", 0);
    }

private:
    void advance() {
        const char c = m_text[m_pos++];
        if (c == '\n') {
            ++m_line;
            m_column = 1;
        } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++m_column;
        }
    }
    bool at_end() const { return m_pos >= m_text.size(); }
    char peek() const { return at_end() ? '\0' : m_text[m_pos]; }
    void skip_space() {
        while (!at_end() && is_space(peek())) advance();
    }
    TextPosition here() const {
        // m_column counts characters started so far; the next one starts at m_column.
        return {m_line, m_column};
    }

    unsigned hex4() {
        unsigned code = 0;
        for (int i = 0; i < 4 && !at_end(); ++i) {
            const char c = peek();
            code <<= 4;
            if (c >= '0' && c <= '9') code |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f') code |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') code |= static_cast<unsigned>(c - 'A' + 10);
            else { m_failed = true; return 0; }
            advance();
        }
        return code;
    }

    // At '"'. Decodes the string the way nlohmann does, so keys compare equal.
    std::string string() {
        std::string out;
        advance();
        while (!at_end() && !m_failed) {
            const char c = peek();
            if (c == '"') {
                advance();
                return out;
            }
            if (c != '\\') {
                out += c;
                advance();
                continue;
            }
            advance();
            if (at_end()) break;
            const char e = peek();
            advance();
            switch (e) {
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned code = hex4();
                    if (code >= 0xD800 && code <= 0xDBFF && peek() == '\\' && m_pos + 1 < m_text.size() &&
                        m_text[m_pos + 1] == 'u') {
                        advance();
                        advance();
                        const unsigned low = hex4();
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    }
                    append_utf8(out, code);
                    break;
                }
                default: out += e; break;
            }
        }
        m_failed = true;
        return out;
    }

    void value(const std::string& path, int depth) {
        if (m_failed || at_end() || depth > kMaxDepth) {
            m_failed = true;
            return;
        }
        m_out.m_positions.emplace(path, here());
        const char c = peek();
        if (c == '{') {
            object(path, depth);
        } else if (c == '[') {
            array(path, depth);
        } else if (c == '"') {
            (void)string();
        } else {
            while (!at_end() && !is_space(peek()) && peek() != ',' && peek() != '}' && peek() != ']') advance();
        }
    }

    void object(const std::string& path, int depth) {
        advance();
        skip_space();
        std::unordered_set<std::string> seen;
        if (peek() == '}') {
            advance();
            return;
        }
        while (!m_failed && !at_end()) {
            skip_space();
            if (peek() != '"') {
                m_failed = true;
                return;
            }
            const TextPosition key_position = here();
            const std::string key = string();
            const std::string member = path.empty() ? key : path + "." + key;
            if (!seen.insert(key).second) m_out.m_duplicates.push_back(member);
            skip_space();
            if (peek() != ':') {
                m_failed = true;
                return;
            }
            advance();
            skip_space();
            value(member, depth + 1);
            // The key, not the value, is where the member starts.
            m_out.m_positions[member] = key_position;
            skip_space();
            if (peek() == ',') {
                advance();
                continue;
            }
            if (peek() == '}') {
                advance();
                return;
            }
            m_failed = true;
        }
    }

    void array(const std::string& path, int depth) {
        advance();
        skip_space();
        if (peek() == ']') {
            advance();
            return;
        }
        for (std::size_t index = 0; !m_failed && !at_end(); ++index) {
            skip_space();
            value(path + "[" + std::to_string(index) + "]", depth + 1);
            skip_space();
            if (peek() == ',') {
                advance();
                continue;
            }
            if (peek() == ']') {
                advance();
                return;
            }
            m_failed = true;
        }
    }

    std::string_view m_text;
    JsonPositions& m_out;
    std::size_t m_pos = 0;
    int m_line = 1;
    int m_column = 1;
    bool m_failed = false;
};

JsonPositions JsonPositions::scan(std::string_view text) {
    JsonPositions positions;
    JsonPositionScanner(text, positions).run();
    return positions;
}

TextPosition JsonPositions::find(std::string_view path) const {
    std::string key(path);
    while (true) {
        if (const auto it = m_positions.find(key); it != m_positions.end()) return it->second;
        if (key.empty()) return {};
        // Strip the last ".name" or "[i]".
        const auto cut = key.find_last_of(".[");
        key.resize(cut == std::string::npos ? 0 : cut);
    }
}

TextPosition JsonPositions::position_of(std::string_view text, std::size_t offset) {
    TextPosition position{1, 1};
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++position.line;
            position.column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++position.column;
        }
    }
    return position;
}

}  // namespace fulcrum::proxy::config
