#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace fulcrum::proxy::static_files {

// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 section 5.6.7).
std::string format_http_date(std::time_t seconds);

// Accepts the three forms RFC 9110 requires recipients to understand: IMF-fixdate, RFC 850
// and asctime. Locale-independent; anything else is nullopt.
std::optional<std::time_t> parse_http_date(std::string_view text);

}  // namespace fulcrum::proxy::static_files
