#pragma once

#include <array>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "proxy/config/proxy_config.h"

namespace fulcrum::proxy::logging {

using config::AccessLogFormat;

// The parts of a request head a log line needs, copied out before the head's buffer is
// reused for the body. One per connection, reused for each of its requests: the storage
// grows to the largest head seen and is not allocated again after that.
class RequestFields {
public:
    enum Field : std::size_t { method, target, protocol, host, referer, user_agent, count };

    void capture(std::string_view method_text, std::string_view target_text, std::string_view protocol_text,
                 std::string_view host_text, std::string_view referer_text, std::string_view user_agent_text);
    void clear();
    std::string_view get(Field field) const;

private:
    std::string m_bytes;
    std::array<std::uint32_t, Field::count> m_end{};
};

// One finished exchange. Views must stay valid for the duration of the append.
struct AccessRecord {
    std::string_view client;    // peer IP address
    std::string_view listener;  // listener name
    const RequestFields* request = nullptr;  // null or cleared: the head was unreadable
    int status = 0;
    std::uint64_t bytes_sent = 0;  // head and body, as written to the client
    std::string_view upstream;     // the server that answered (last tried); empty: none
    std::int64_t duration_us = 0;  // first byte of the request to the last of the response
};

// Formats one line ('\n'-terminated) into `out`, appending. Every byte that came from the
// client is escaped, so a request cannot end a line, forge a field or break the JSON:
//  * combined: `"` `\` and bytes outside 0x20..0x7E become \xHH (as nginx does);
//  * json: JSON string escapes; valid UTF-8 passes through, any other byte >= 0x80 becomes
//    \u00HH, so every line is valid JSON and valid UTF-8.
// `now_ns` is wall-clock time (nanoseconds since the epoch); `clock` caches its formatting.
class LineClock {
public:
    // "[01/Dec/2026:22:53:39 +0000]" and "2026-12-01T22:53:39" for the current second.
    void update(std::int64_t now_ns);
    std::string_view combined() const { return {m_combined.data(), m_combined_size}; }
    std::string_view iso_seconds() const { return {m_iso.data(), m_iso_size}; }
    int milliseconds() const { return m_ms; }

private:
    std::time_t m_second = -1;
    int m_ms = 0;
    std::array<char, 40> m_combined{};
    std::size_t m_combined_size = 0;
    std::array<char, 32> m_iso{};
    std::size_t m_iso_size = 0;
};

void format_access_line(AccessLogFormat format, const AccessRecord& record, const LineClock& clock, std::string& out);

void append_combined_escaped(std::string& out, std::string_view bytes);
void append_json_escaped(std::string& out, std::string_view bytes);

}  // namespace fulcrum::proxy::logging
