// The head checks llhttp leaves to us (NUL, bare CR, bare LF, obs-fold) hold wherever the bad
// byte sits: the scan skips ordinary bytes a word at a time, so every offset within and around
// those words, and every split of the head into two feeds, is tried.
#include "proxy/http/http_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using fulcrum::proxy::http::HttpError;
using fulcrum::proxy::http::HttpLimits;
using fulcrum::proxy::http::HttpParser;

// Parses `head` fed in two pieces split at `split`; returns the parser's final status.
HttpParser::Status parse(const std::string& head, std::size_t split, HttpError& error) {
    HttpLimits limits;
    HttpParser parser(HttpParser::Kind::request, limits);
    parser.start(head.data());
    auto result = parser.feed_head(head.data(), split);
    if (result.status == HttpParser::Status::need_more) {
        result = parser.feed_head(head.data() + result.consumed, head.size() - result.consumed);
    }
    error = parser.error();
    return result.status;
}

std::string request_with_value(const std::string& value) {
    return "GET /some/longer/path?query=value HTTP/1.1\r\nHost: example.com\r\nX-Long: " + value +
           "\r\nAccept: */*\r\n\r\n";
}

TEST(HttpParserHeadScan, AnOrdinaryLongHeadParsesAtEverySplit) {
    const auto head = request_with_value(std::string(40, 'v'));
    for (std::size_t split = 0; split <= head.size(); ++split) {
        HttpError error{};
        const auto status = parse(head, split, error);
        EXPECT_TRUE(status == HttpParser::Status::message_complete || status == HttpParser::Status::head_complete)
            << "split " << split;
        EXPECT_EQ(error, HttpError::none) << "split " << split;
    }
}

TEST(HttpParserHeadScan, BadBytesAreRefusedAtEveryOffsetAndSplit) {
    // What each insertion makes of the value's bytes: NUL, a CR not followed by LF, an LF not
    // preceded by CR, and obs-fold (a line starting with SP or HTAB).
    const std::string inserts[] = {std::string(1, '\0'), "\r", "\n", "\r\n ", "\r\n\t"};
    for (const auto& insert : inserts) {
        for (std::size_t at = 0; at <= 24; ++at) {
            std::string value(24, 'v');
            value.insert(at, insert);
            const auto head = request_with_value(value);
            for (std::size_t split = 0; split <= head.size(); split += 3) {
                HttpError error{};
                const auto status = parse(head, split, error);
                EXPECT_EQ(status, HttpParser::Status::error)
                    << "insert " << static_cast<int>(insert.back()) << " at " << at << " split " << split;
            }
        }
    }
}

// llhttp skips empty lines before the start line; they must not pass for the blank line that
// ends the head, or the scan stops before the fields (it did: "\r\n\r\n" first let obs-fold
// through to the upstream).
TEST(HttpParserHeadScan, LeadingEmptyLinesDoNotEndTheScan) {
    const std::string inserts[] = {std::string(1, '\0'), "\r", "\n", "\r\n ", "\r\n\t"};
    for (const std::string leading : {"\r\n", "\r\n\r\n", "\r\n\r\n\r\n"}) {
        HttpError error{};
        EXPECT_NE(parse(leading + request_with_value("v"), 0, error), HttpParser::Status::error)
            << leading.size();
        for (const auto& insert : inserts) {
            const auto head = leading + request_with_value("a" + insert + "b");
            for (std::size_t split = 0; split <= head.size(); ++split) {
                EXPECT_EQ(parse(head, split, error), HttpParser::Status::error)
                    << "leading " << leading.size() << " insert " << static_cast<int>(insert.back())
                    << " split " << split;
            }
        }
    }
}

// Bytes >= 0x80 (obs-text, allowed in values) send a word to the byte-wise path; they must
// neither be refused nor hide a bad byte next to them.
TEST(HttpParserHeadScan, HighBytesAreAllowedAndDoNotHideABadByte) {
    const std::string high = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
    HttpError error{};
    EXPECT_NE(parse(request_with_value(high + high), 0, error), HttpParser::Status::error);
    for (std::size_t at = 0; at <= high.size(); ++at) {
        std::string value = high + high;
        value.insert(at, "\r");
        EXPECT_EQ(parse(request_with_value(value), 0, error), HttpParser::Status::error) << "at " << at;
    }
}

}  // namespace

namespace {

// Field values are checked for control bytes a word at a time too: every control byte but TAB,
// and DEL, at every offset of a long value is refused; TAB and obs-text are not.
TEST(HttpParserValueScan, ControlBytesInValuesAreRefusedAtEveryOffset) {
    for (int byte = 1; byte < 0x80; ++byte) {
        const bool bad = (byte < 0x20 && byte != '\t') || byte == 0x7f;
        if (!bad || byte == '\r' || byte == '\n') continue;  // CR and LF: the head scan's tests
        for (std::size_t at = 0; at <= 20; ++at) {
            std::string value(20, 'v');
            value.insert(at, 1, static_cast<char>(byte));
            HttpError error{};
            EXPECT_EQ(parse(request_with_value(value), 0, error), HttpParser::Status::error)
                << "byte " << byte << " at " << at;
        }
    }
    for (const std::string& ok : {std::string("a\tb\tc\td\te\tf\tg\th"), std::string(20, '\x80'), std::string("~~~~~~~~~~~~~~~~")}) {
        HttpError error{};
        EXPECT_NE(parse(request_with_value(ok), 0, error), HttpParser::Status::error) << ok;
    }
}

}  // namespace

namespace {

// The head scan refuses control bytes in the start line too, where llhttp (without
// LLHTTP_STRICT_MODE) let a form feed through in a request target and any of them in a reason
// phrase; HTAB stays allowed there as in field values.
TEST(HttpParserHeadScan, ControlBytesInTheStartLineAreRefused) {
    for (const char byte : {'\x01', '\x0c', '\x1f', '\x7f'}) {
        HttpError error{};
        const std::string request = std::string("GET /a") + byte + "b HTTP/1.1\r\nHost: x\r\n\r\n";
        EXPECT_EQ(parse(request, 0, error), HttpParser::Status::error) << static_cast<int>(byte);
        const std::string response = std::string("HTTP/1.1 200 O") + byte + "K\r\nContent-Length: 0\r\n\r\n";
        HttpParser parser(HttpParser::Kind::response);
        parser.start(response.data());
        EXPECT_EQ(parser.feed_head(response.data(), response.size()).status, HttpParser::Status::error)
            << static_cast<int>(byte);
    }
    const std::string tab = "HTTP/1.1 200 O\tK\r\nContent-Length: 0\r\n\r\n";
    HttpParser parser(HttpParser::Kind::response);
    parser.start(tab.data());
    EXPECT_NE(parser.feed_head(tab.data(), tab.size()).status, HttpParser::Status::error);
}

// RFC 9112 3: a request line is method SP request-target SP HTTP-version, and the target holds
// no whitespace. An upstream that splits the line at a TAB (or at the second of two spaces)
// reads a different target, or a different version, than the one we routed on; so these are
// refused, as every other start line we cannot read exactly one way.
TEST(HttpParserRequestLine, WhitespaceInsideOrAroundTheTargetIsRefused) {
    for (const std::string line : {"GET /a\tb HTTP/1.1", "GET /\tHTTP/1.1", "GET\t/ HTTP/1.1", "GET /a\t HTTP/1.1",
                                   "GET  / HTTP/1.1", "GET /  HTTP/1.1", "GET / HTTP/1.1 ", "GET /a b HTTP/1.1"}) {
        const std::string request = line + "\r\nHost: x\r\n\r\n";
        for (std::size_t split = 0; split <= request.size(); ++split) {
            HttpError error{};
            EXPECT_EQ(parse(request, split, error), HttpParser::Status::error) << line << " split " << split;
        }
    }
    HttpError error{};
    EXPECT_NE(parse("GET /a%09b?q=%20 HTTP/1.1\r\nHost: x\r\n\r\n", 0, error), HttpParser::Status::error);
}

}  // namespace

namespace {

// A Content-Length body is counted without llhttp: every split of the body into feeds gives the
// same pieces, stops at the body's end (what follows belongs to the next message), and a body
// cut short is still refused at the end of the stream.
TEST(HttpParserBody, ContentLengthBodiesEndExactlyAtEverySplit) {
    for (const auto kind : {HttpParser::Kind::request, HttpParser::Kind::response}) {
        const std::string head = kind == HttpParser::Kind::request
                                     ? "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
                                     : "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
        const std::string message = head + "0123456789" + "GET / HTTP/1.1\r\n";
        for (std::size_t split = head.size(); split <= message.size(); ++split) {
            HttpParser parser(kind);
            parser.start(message.data());
            auto result = parser.feed_head(message.data(), split);
            ASSERT_EQ(result.status, HttpParser::Status::head_complete);
            ASSERT_EQ(result.consumed, head.size());
            std::vector<std::string_view> pieces;
            std::size_t at = head.size();
            result = parser.feed_body(message.data() + at, split - at, pieces);
            at += result.consumed;
            if (result.status == HttpParser::Status::need_more) {
                result = parser.feed_body(message.data() + at, message.size() - at, pieces);
                at += result.consumed;
            }
            EXPECT_EQ(result.status, HttpParser::Status::message_complete) << split;
            EXPECT_EQ(at, head.size() + 10) << split;
            std::string body;
            for (const auto piece : pieces) body.append(piece);
            EXPECT_EQ(body, "0123456789") << split;
            EXPECT_EQ(parser.body_bytes(), 10u);
        }
        HttpParser cut(kind);
        cut.start(message.data());
        ASSERT_EQ(cut.feed_head(message.data(), head.size() + 4).status, HttpParser::Status::head_complete);
        std::vector<std::string_view> pieces;
        EXPECT_EQ(cut.feed_body(message.data() + head.size(), 4, pieces).status,
                  HttpParser::Status::need_more);
        EXPECT_EQ(cut.finish().status, HttpParser::Status::error);
    }
}

}  // namespace
