#include "proxy/static/path_decoder.h"

#include <gtest/gtest.h>

#include "tests/proxy/static/traversal_corpus.h"

namespace fulcrum::proxy::static_files {
namespace {

TEST(PathDecoder, PlainPathsBecomeRelative) {
    EXPECT_EQ(decode_request_path("/").relative, "");
    EXPECT_EQ(decode_request_path("/a.txt").relative, "a.txt");
    EXPECT_EQ(decode_request_path("/sub/page.html?x=1#frag").relative, "sub/page.html");
    EXPECT_EQ(decode_request_path("//sub///page.html").relative, "sub/page.html");
    EXPECT_EQ(decode_request_path("/caf%C3%A9.txt").relative, "caf\xc3\xa9.txt");
    EXPECT_EQ(decode_request_path("/hello%20world").relative, "hello world");
    EXPECT_EQ(decode_request_path("/.../x").relative, ".../x");
}

TEST(PathDecoder, TrailingSlashAndDotfilesAreReported) {
    EXPECT_TRUE(decode_request_path("/sub/").trailing_slash);
    EXPECT_FALSE(decode_request_path("/sub").trailing_slash);
    EXPECT_FALSE(decode_request_path("/").trailing_slash);
    EXPECT_TRUE(decode_request_path("/.env").has_dotfile);
    EXPECT_TRUE(decode_request_path("/.well-known/x").has_dotfile);
    EXPECT_FALSE(decode_request_path("/a.b.c").has_dotfile);
}

TEST(PathDecoder, RefusesEachAttackForItsReason) {
    EXPECT_EQ(decode_request_path("/../x").refusal, PathRefusal::dot_segment);
    EXPECT_EQ(decode_request_path("/a/./b").refusal, PathRefusal::dot_segment);
    EXPECT_EQ(decode_request_path("/%2e%2e/x").refusal, PathRefusal::encoded_separator);
    EXPECT_EQ(decode_request_path("/a%2fb").refusal, PathRefusal::encoded_separator);
    EXPECT_EQ(decode_request_path("/a%5cb").refusal, PathRefusal::encoded_separator);
    EXPECT_EQ(decode_request_path("/a%00b").refusal, PathRefusal::encoded_separator);
    EXPECT_EQ(decode_request_path("/%252e%252e/x").refusal, PathRefusal::double_encoding);
    EXPECT_EQ(decode_request_path("/a%25%32%66b").refusal, PathRefusal::double_encoding);
    EXPECT_EQ(decode_request_path("/a\\b").refusal, PathRefusal::backslash);
    EXPECT_EQ(decode_request_path(std::string_view("/a\0b", 4)).refusal, PathRefusal::control_character);
    EXPECT_EQ(decode_request_path("/a%0d%0ab").refusal, PathRefusal::control_character);
    EXPECT_EQ(decode_request_path("/%c0%ae%c0%ae/x").refusal, PathRefusal::invalid_utf8);
    EXPECT_EQ(decode_request_path("/%e0%80%af").refusal, PathRefusal::invalid_utf8);
    EXPECT_EQ(decode_request_path("/%ed%a0%80").refusal, PathRefusal::invalid_utf8);
    EXPECT_EQ(decode_request_path("/%f4%90%80%80").refusal, PathRefusal::invalid_utf8);
    EXPECT_EQ(decode_request_path("/%").refusal, PathRefusal::bad_percent_encoding);
    EXPECT_EQ(decode_request_path("/%4").refusal, PathRefusal::bad_percent_encoding);
    EXPECT_EQ(decode_request_path("/%g0").refusal, PathRefusal::bad_percent_encoding);
    EXPECT_EQ(decode_request_path("a.txt").refusal, PathRefusal::not_absolute);
    EXPECT_EQ(decode_request_path("").refusal, PathRefusal::empty);
    EXPECT_EQ(decode_request_path("/" + std::string(5000, 'a')).refusal, PathRefusal::too_long);
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += "/d";
    EXPECT_EQ(decode_request_path(deep).refusal, PathRefusal::too_many_segments);
}

TEST(PathDecoder, StrictUtf8) {
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xe0\x80\xae"));      // overlong '.'
    EXPECT_FALSE(is_valid_utf8("\xf0\x80\x80\xae"));  // overlong '.'
    EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
    EXPECT_FALSE(is_valid_utf8("\x80"));              // stray continuation
    EXPECT_FALSE(is_valid_utf8("\xf8\x88\x80\x80\x80"));
}

// Everything the corpus holds is refused by the decoder, or, when it is syntactically a
// plain name (a symlink or a FIFO), left for the descriptor checks that the responder test
// covers; either way nothing it accepts contains a way up.
TEST(PathDecoder, TraversalCorpusNeverYieldsAWayUp) {
    const auto corpus = testing::load_traversal_corpus();
    ASSERT_GT(corpus.size(), 40u);
    for (const auto& path : corpus) {
        const auto decoded = decode_request_path(path);
        if (!decoded.ok()) continue;
        EXPECT_EQ(decoded.relative.find(".."), std::string::npos) << path;
        EXPECT_EQ(decoded.relative.find('\\'), std::string::npos) << path;
        EXPECT_EQ(decoded.relative.find('\0'), std::string::npos) << path;
        EXPECT_FALSE(decoded.relative.starts_with("/")) << path;
    }
}

}  // namespace
}  // namespace fulcrum::proxy::static_files
