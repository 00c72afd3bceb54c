#include "proxy/static/http_date.h"

#include <array>
#include <cstdio>

namespace fulcrum::proxy::static_files {

namespace {

constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm), so no
// call depends on the TZ environment.
long days_from_civil(long year, unsigned month, unsigned day) {
    year -= month <= 2;
    const long era = (year >= 0 ? year : year - 399) / 400;
    const auto yoe = static_cast<unsigned>(year - era * 400);
    const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long>(doe) - 719468;
}

class Cursor {
public:
    explicit Cursor(std::string_view text) : m_text(text) {}
    bool literal(std::string_view word) {
        if (m_text.substr(m_pos, word.size()) != word) return false;
        m_pos += word.size();
        return true;
    }
    bool number(std::size_t digits, int& value) {
        if (m_pos + digits > m_text.size()) return false;
        value = 0;
        for (std::size_t i = 0; i < digits; ++i) {
            const char c = m_text[m_pos + i];
            if (c < '0' || c > '9') return false;
            value = value * 10 + (c - '0');
        }
        m_pos += digits;
        return true;
    }
    bool month(int& value) {
        for (std::size_t i = 0; i < kMonths.size(); ++i) {
            if (literal(kMonths[i])) {
                value = static_cast<int>(i) + 1;
                return true;
            }
        }
        return false;
    }
    bool day_name() {
        for (const char* name : kDays) {
            if (literal(name)) return true;
        }
        return false;
    }
    bool long_day_name() {
        static constexpr std::array<const char*, 7> kLong{"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                         "Thursday", "Friday", "Saturday"};
        for (const char* name : kLong) {
            if (literal(name)) return true;
        }
        return false;
    }
    bool at_end() const { return m_pos == m_text.size(); }
    bool peek(char c) const { return m_pos < m_text.size() && m_text[m_pos] == c; }

private:
    std::string_view m_text;
    std::size_t m_pos = 0;
};

std::optional<std::time_t> make_time(int year, int month, int day, int hour, int minute, int second) {
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    const long days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return static_cast<std::time_t>(days * 86400L + hour * 3600L + minute * 60L + second);
}

bool clock(Cursor& in, int& hour, int& minute, int& second) {
    return in.number(2, hour) && in.literal(":") && in.number(2, minute) && in.literal(":") &&
           in.number(2, second);
}

}  // namespace

std::string format_http_date(std::time_t seconds) {
    std::tm parts{};
    ::gmtime_r(&seconds, &parts);
    char buffer[40];
    std::snprintf(buffer, sizeof(buffer), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[parts.tm_wday % 7],
                  parts.tm_mday, kMonths[parts.tm_mon % 12], parts.tm_year + 1900, parts.tm_hour,
                  parts.tm_min, parts.tm_sec);
    return buffer;
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    {
        Cursor in(text);  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        if (in.day_name() && in.literal(", ") && in.number(2, day) && in.literal(" ") && in.month(month) &&
            in.literal(" ") && in.number(4, year) && in.literal(" ") && clock(in, hour, minute, second) &&
            in.literal(" GMT") && in.at_end()) {
            return make_time(year, month, day, hour, minute, second);
        }
    }
    {
        Cursor in(text);  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        if (in.long_day_name() && in.literal(", ") && in.number(2, day) && in.literal("-") && in.month(month) &&
            in.literal("-") && in.number(2, year) && in.literal(" ") && clock(in, hour, minute, second) &&
            in.literal(" GMT") && in.at_end()) {
            // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
            year += year < 70 ? 2000 : 1900;
            return make_time(year, month, day, hour, minute, second);
        }
    }
    {
        Cursor in(text);  // asctime: Sun Nov  6 08:49:37 1994
        if (in.day_name() && in.literal(" ") && in.month(month) && in.literal(" ")) {
            bool ok = in.peek(' ') ? (in.literal(" ") && in.number(1, day)) : in.number(2, day);
            if (ok && in.literal(" ") && clock(in, hour, minute, second) && in.literal(" ") &&
                in.number(4, year) && in.at_end()) {
                return make_time(year, month, day, hour, minute, second);
            }
        }
    }
    return std::nullopt;
}

}  // namespace fulcrum::proxy::static_files
