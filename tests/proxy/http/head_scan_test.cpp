// scan_head against a byte-by-byte statement of its rules, on many random heads made of the bytes
// the rules are about, split at every point; and the SSE2 masks against the portable ones.
#include "proxy/http/head_scan.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace {

using fulcrum::proxy::http::HeadScan;
using fulcrum::proxy::http::scan_head;
namespace detail = fulcrum::proxy::http::head_scan_detail;

// The rules, one byte at a time (head_scan.h).
HeadScan reference(const std::string& h, std::size_t to) {
    for (std::size_t i = 0; i < to; ++i) {
        const auto c = static_cast<unsigned char>(h[i]);
        const char before = i > 0 ? h[i - 1] : 'x';
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return {HeadScan::Status::bad, 0};
        if (c == '\n' && before != '\r') return {HeadScan::Status::bad, 0};
        if (before == '\r' && c != '\n') return {HeadScan::Status::bad, 0};
        if (i > 0 && before == '\n' && (c == ' ' || c == '\t')) return {HeadScan::Status::bad, 0};
        if (c == '\n' && i >= 4 && h[i - 2] == '\n' && h[i - 4] != '\n')
            return {HeadScan::Status::end, i + 1};
    }
    return {HeadScan::Status::more, 0};
}

// Scanned in two calls split at `split`, as a head arriving in two reads is.
HeadScan scan_split(const std::string& h, std::size_t split) {
    const auto first = scan_head(h.data(), 0, split);
    if (first.status != HeadScan::Status::more) return first;
    return scan_head(h.data(), split, h.size());
}

void expect_same(const std::string& h) {
    const auto want = reference(h, h.size());
    for (std::size_t split = 0; split <= h.size(); ++split) {
        const auto got = scan_split(h, split);
        ASSERT_EQ(static_cast<int>(got.status), static_cast<int>(want.status))
            << "split " << split << " in " << testing::PrintToString(h);
        ASSERT_EQ(got.end, want.end) << "split " << split << " in " << testing::PrintToString(h);
    }
}

TEST(HeadScan, OrdinaryHeadsEndAfterTheBlankLine) {
    const std::string head =
        "GET /a HTTP/1.1\r\nHost: example.com\r\nX-Tab: a\tb\r\nX-High: \xc3\xa9\r\n\r\n";
    const std::string body = "\r\n\n\0 body bytes are not ours";
    const auto got = scan_head((head + body).data(), 0, head.size() + body.size());
    EXPECT_EQ(got.status, HeadScan::Status::end);
    EXPECT_EQ(got.end, head.size());
    expect_same(head + body);
    // Empty lines before the start line are skipped, not taken for the end.
    expect_same("\r\n\r\n" + head);
    EXPECT_EQ(scan_head(("\r\n\r\n" + head).data(), 0, head.size() + 4).end, head.size() + 4);
}

TEST(HeadScan, EveryRuleAtEveryOffsetOfAFewBlocks) {
    const std::string inserts[] = {
        std::string(1, '\0'), "\x01", "\x0c", "\x1f", "\x7f", "\r", "\n", "\r\n ", "\r\n\t", "\rx"};
    for (const auto& insert : inserts) {
        for (std::size_t at = 0; at <= 150; ++at) {
            std::string value(150, 'v');
            value.insert(at, insert);
            const auto head = "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + value + "\r\n\r\n";
            ASSERT_EQ(reference(head, head.size()).status, HeadScan::Status::bad);
            expect_same(head);
        }
    }
}

TEST(HeadScan, RandomHeadsOfTheBytesTheRulesAreAbout) {
    const std::string alphabet =
        std::string("aaaaaaa:\r\n\r\n \t\x80\x7f", 17) + std::string(1, '\0') + "\x01";
    std::mt19937 random(20261203);
    int ends = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string head = "GET / HTTP/1.1\r\n";
        const std::size_t length = random() % 200;
        for (std::size_t i = 0; i < length; ++i) {
            // Mostly well-formed lines, so that the ends and the late bad bytes get tried too.
            if (random() % 4 == 0) {
                head += "\r\n";
            } else {
                head += alphabet[random() % (random() % 3 == 0 ? alphabet.size() : 8)];
            }
        }
        if (random() % 2 == 0) head += "\r\n\r\n";
        ends += reference(head, head.size()).status == HeadScan::Status::end ? 1 : 0;
        expect_same(head);
        if (testing::Test::HasFatalFailure()) return;
    }
    EXPECT_GT(ends, 1000);  // the ends were reached, not only early refusals
}

#if defined(__SSE2__)
TEST(HeadScan, Sse2MasksAreThePortableOnes) {
    unsigned char block[64];
    for (int byte = 0; byte < 256; ++byte) {
        for (int at = 0; at < 64; ++at) {
            for (auto& b : block) b = 'a';
            block[at] = static_cast<unsigned char>(byte);
            ASSERT_EQ(detail::masks_sse2(block), detail::masks_portable(block))
                << "byte " << byte << " at " << at;
        }
    }
    std::mt19937 random(7);
    for (int round = 0; round < 10000; ++round) {
        for (auto& b : block) b = static_cast<unsigned char>(random());
        ASSERT_EQ(detail::masks_sse2(block), detail::masks_portable(block));
    }
}
#endif

}  // namespace
