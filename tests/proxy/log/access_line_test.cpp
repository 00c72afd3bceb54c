// Formatting of access-log lines: every byte a client could send stays inside its field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "proxy/log/access_line.h"

using namespace fulcrum::proxy::logging;
using nlohmann::json;

namespace {

std::string all_bytes() {
    std::string out;
    for (int b = 0; b < 256; ++b) out.push_back(static_cast<char>(b));
    return out;
}

std::string line_for(AccessLogFormat format, const RequestFields& fields, std::string_view upstream = "127.0.0.1:8000") {
    LineClock clock;
    clock.update(1'764'629'619'123'000'000);  // 2025-12-01T22:53:39.123Z
    AccessRecord record;
    record.client = "192.0.2.7";
    record.listener = "http";
    record.request = &fields;
    record.status = 502;
    record.bytes_sent = 1234;
    record.upstream = upstream;
    record.duration_us = 1'234'567;
    std::string out;
    format_access_line(format, record, clock, out);
    return out;
}

}  // namespace

TEST(AccessLine, CombinedIsNginxCombinedPlusExtras) {
    RequestFields fields;
    fields.capture("GET", "/a?b=1", "HTTP/1.1", "example.com", "", "curl/8.0");
    EXPECT_EQ(line_for(AccessLogFormat::combined, fields),
              "192.0.2.7 - - [01/Dec/2025:22:53:39 +0000] \"GET /a?b=1 HTTP/1.1\" 502 1234 \"-\" \"curl/8.0\" "
              "host=\"example.com\" listener=\"http\" upstream=\"127.0.0.1:8000\" rt=1.234\n");
    fields.clear();
    EXPECT_EQ(line_for(AccessLogFormat::combined, fields, ""),
              "192.0.2.7 - - [01/Dec/2025:22:53:39 +0000] \"-\" 502 1234 \"-\" \"-\" host=\"-\" listener=\"http\" "
              "upstream=\"-\" rt=1.234\n");
}

TEST(AccessLine, CombinedEscapesEveryByteThatCouldForgeALine) {
    RequestFields fields;
    fields.capture("GET", "/" + all_bytes(), "HTTP/1.1", all_bytes(), all_bytes(), all_bytes());
    const auto line = line_for(AccessLogFormat::combined, fields);
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    for (const char c : line.substr(0, line.size() - 1)) {
        EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << static_cast<int>(static_cast<unsigned char>(c));
    }
    // Fields are exactly where a combined parser looks for them: no quote inside a field.
    const std::regex shape(R"re(^\S+ - - \[[^\]]+\] "(?:[^"\\]|\\x[0-9a-f]{2})*" \d+ \d+ "(?:[^"\\]|\\x[0-9a-f]{2})*" )re"
                           R"re("(?:[^"\\]|\\x[0-9a-f]{2})*" host="(?:[^"\\]|\\x[0-9a-f]{2})*" listener="http" )re"
                           R"re(upstream="127.0.0.1:8000" rt=1\.234$)re");
    EXPECT_TRUE(std::regex_match(line.substr(0, line.size() - 1), shape)) << line;
    std::string escaped;
    append_combined_escaped(escaped, "a\"b\\c\x01\x7f\xff");
    EXPECT_EQ(escaped, "a\\x22b\\x5cc\\x01\\x7f\\xff");
}

TEST(AccessLine, JsonParsesForEveryByteAndKeepsValidUtf8) {
    RequestFields fields;
    const std::string utf8 = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
    fields.capture("GET", "/" + all_bytes(), "HTTP/1.1", "h\"ost", utf8, all_bytes() + "\xc3");
    const auto line = line_for(AccessLogFormat::json, fields);
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    const auto entry = json::parse(line);  // throws (fails) on invalid JSON or UTF-8
    EXPECT_EQ(entry["time"], "2025-12-01T22:53:39.123Z");
    EXPECT_EQ(entry["client"], "192.0.2.7");
    EXPECT_EQ(entry["status"], 502);
    EXPECT_EQ(entry["bytes_sent"], 1234);
    EXPECT_DOUBLE_EQ(entry["duration_ms"].get<double>(), 1234.567);
    EXPECT_EQ(entry["upstream"], "127.0.0.1:8000");
    EXPECT_EQ(entry["host"], "h\"ost");
    EXPECT_EQ(entry["referer"], utf8);
    // Bytes 0x80..0xff that are not UTF-8 come out as U+0080..U+00FF, one per byte.
    const auto target = entry["target"].get<std::string>();
    std::string expected = "/";
    for (int b = 0; b < 256; ++b) {
        if (b < 0x80) {
            expected.push_back(static_cast<char>(b));
        } else {
            expected.push_back(static_cast<char>(0xC0 | (b >> 6)));
            expected.push_back(static_cast<char>(0x80 | (b & 0x3F)));
        }
    }
    EXPECT_EQ(target, expected);
    fields.clear();
    EXPECT_TRUE(json::parse(line_for(AccessLogFormat::json, fields, ""))["upstream"].is_null());
}

TEST(AccessLine, JsonRefusesOverlongsSurrogatesAndTruncatedSequences) {
    for (const std::string bad : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xf0\x9f\x98"}) {
        std::string out;
        append_json_escaped(out, bad);
        const auto parsed = json::parse("\"" + out + "\"");
        EXPECT_EQ(parsed.get<std::string>().size(), bad.size() * 2) << out;  // each byte became a 2-byte U+00XX
    }
}
