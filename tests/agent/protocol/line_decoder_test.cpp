#include "agent/protocol/line_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fulcrum::protocol {
namespace {

// Lines as strings; over-long lines as "<too long>".
std::vector<std::string> drain(LineDecoder& decoder) {
    std::vector<std::string> out;
    while (auto line = decoder.next()) {
        if (const auto* text = std::get_if<std::string>(&*line)) {
            out.push_back(*text);
        } else {
            out.push_back("<too long>");
        }
    }
    return out;
}

TEST(LineDecoder, SplitsLinesAcrossArbitraryChunks) {
    LineDecoder decoder;
    const std::string stream = "first\nsecond line\r\n\n\nthird\n";
    std::vector<std::string> lines;
    for (char c : stream) {
        decoder.feed(std::string_view(&c, 1));
        for (auto& l : drain(decoder)) lines.push_back(l);
    }
    EXPECT_EQ(lines, (std::vector<std::string>{"first", "second line", "third"}));
    EXPECT_EQ(decoder.pending_bytes(), 0u);
}

TEST(LineDecoder, KeepsAnUnfinishedLineUntilItsNewline) {
    LineDecoder decoder;
    decoder.feed("abc");
    EXPECT_TRUE(drain(decoder).empty());
    EXPECT_EQ(decoder.pending_bytes(), 3u);
    decoder.feed("def\nxy");
    EXPECT_EQ(drain(decoder), (std::vector<std::string>{"abcdef"}));
    EXPECT_EQ(decoder.pending_bytes(), 2u);
}

TEST(LineDecoder, OverLongLineIsReportedOnceAndReadingContinues) {
    LineDecoder decoder(10);
    decoder.feed("short\n");
    decoder.feed(std::string(6, 'a'));
    decoder.feed(std::string(6, 'a'));  // crosses the limit here
    auto before_newline = drain(decoder);
    EXPECT_EQ(before_newline, (std::vector<std::string>{"short", "<too long>"}));
    decoder.feed(std::string(1000, 'b'));  // still the same line: dropped, no second report
    EXPECT_TRUE(drain(decoder).empty());
    EXPECT_LE(decoder.pending_bytes(), 10u);
    decoder.feed("bbb\nok\n");
    EXPECT_EQ(drain(decoder), (std::vector<std::string>{"ok"}));
}

TEST(LineDecoder, ReportsKeepWireOrderWithinOneChunk) {
    LineDecoder decoder(4);
    decoder.feed("a\n0123456789\nb\n0123456789\nc\n");
    EXPECT_EQ(drain(decoder), (std::vector<std::string>{"a", "<too long>", "b", "<too long>", "c"}));
}

TEST(LineDecoder, LineOfExactlyTheLimitIsAccepted) {
    LineDecoder decoder(4);
    decoder.feed("abcd\nabcde\n");
    EXPECT_EQ(drain(decoder), (std::vector<std::string>{"abcd", "<too long>"}));
}

TEST(LineDecoder, ReportCarriesTheLimit) {
    LineDecoder decoder(8);
    decoder.feed(std::string(20, 'x') + "\n");
    auto line = decoder.next();
    ASSERT_TRUE(line);
    const auto* report = std::get_if<LineTooLong>(&*line);
    ASSERT_NE(report, nullptr);
    EXPECT_EQ(report->limit, 8u);
    EXPECT_GE(report->dropped_bytes, 9u);
}

TEST(LineDecoder, MemoryStaysBoundedWithoutNewlines) {
    LineDecoder decoder(1024);
    const std::string chunk(4096, 'z');
    for (int i = 0; i < 1000; ++i) decoder.feed(chunk);  // 4 MB, never a newline
    EXPECT_LE(decoder.pending_bytes(), 1024u);
    EXPECT_EQ(drain(decoder), (std::vector<std::string>{"<too long>"}));
}

}  // namespace
}  // namespace fulcrum::protocol
