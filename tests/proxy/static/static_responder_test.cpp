#include "proxy/static/static_responder.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "proxy/static/http_date.h"
#include "tests/proxy/static/traversal_corpus.h"

namespace fulcrum::proxy::static_files {
namespace {

std::string read_body(const StaticResponse& response) {
    if (!response.file.valid()) return response.body;
    std::string out(response.length, '\0');
    const auto got = ::pread(response.file.get(), out.data(), out.size(), response.offset);
    out.resize(got < 0 ? 0 : static_cast<std::size_t>(got));
    return out;
}

class StaticResponderTest : public ::testing::TestWithParam<StaticRoot::Resolution> {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/fulcrum-static-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        m_base = pattern;
        m_www = testing::make_static_tree(m_base);
        std::string error;
        m_root = StaticRoot::open(m_www, error, GetParam());
        ASSERT_TRUE(m_root) << error;
    }
    void TearDown() override { std::filesystem::remove_all(m_base); }

    StaticResponse get(std::string_view path, StaticRouteOptions options = {}) {
        StaticResponder responder(m_root, std::move(options));
        StaticRequest request;
        request.method = "GET";
        request.path = path;
        return responder.respond(request);
    }
    StaticResponse send(const StaticRequest& request, StaticRouteOptions options = {}) {
        return StaticResponder(m_root, std::move(options)).respond(request);
    }

    std::string m_base;
    std::string m_www;
    std::shared_ptr<const StaticRoot> m_root;
};

TEST_P(StaticResponderTest, ServesFileWithTypeLengthAndValidators) {
    const auto response = get("/a.txt");
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(read_body(response), "hello static world\n");
    EXPECT_EQ(response.header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(response.header("Content-Length"), "19");
    EXPECT_EQ(response.header("Accept-Ranges"), "bytes");
    EXPECT_FALSE(response.header("ETag").empty());
    struct stat info {};
    ASSERT_EQ(::stat((m_www + "/a.txt").c_str(), &info), 0);
    EXPECT_EQ(response.header("Last-Modified"), format_http_date(info.st_mtime));
    EXPECT_EQ(response.header("ETag"), make_etag(info));
}

TEST_P(StaticResponderTest, IndexHtmlAndDirectoryRedirect) {
    EXPECT_EQ(read_body(get("/")), "<h1>root index</h1>\n");
    EXPECT_EQ(read_body(get("/sub/")), "<h1>sub index</h1>\n");
    EXPECT_EQ(get("/sub/").header("Content-Type"), "text/html; charset=utf-8");
    StaticRequest request;
    request.method = "GET";
    request.path = "/sub";
    request.route_prefix = "/static/";
    const auto redirect = send(request);
    EXPECT_EQ(redirect.status, 301);
    EXPECT_EQ(redirect.header("Location"), "/static/sub/");
}

TEST_P(StaticResponderTest, NoDirectoryListing) {
    const auto response = get("/sub/empty_dir/");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.outcome, StaticOutcome::not_regular);
    StaticRouteOptions no_index;
    no_index.index.clear();
    EXPECT_EQ(get("/", no_index).status, 404);
}

TEST_P(StaticResponderTest, DotfilesOnlyWhenTheRouteAllows) {
    EXPECT_EQ(get("/.env").outcome, StaticOutcome::dotfile_refused);
    EXPECT_EQ(get("/.git/config").outcome, StaticOutcome::dotfile_refused);
    EXPECT_EQ(get("/sub/.hidden").status, 404);
    StaticRouteOptions allow;
    allow.allow_dotfiles = true;
    EXPECT_EQ(read_body(get("/.env", allow)), "PASSWORD=hunter2\n");
}

TEST_P(StaticResponderTest, SymlinkInsideIsServedOutsideIsRefused) {
    if (GetParam() == StaticRoot::Resolution::kernel_beneath) {
        EXPECT_EQ(read_body(get("/link_in")), "hello static world\n");
    } else {
        EXPECT_EQ(get("/link_in").outcome, StaticOutcome::escape_refused);
    }
    EXPECT_EQ(get("/link_out").outcome, StaticOutcome::escape_refused);
    EXPECT_EQ(get("/link_out_abs").outcome, StaticOutcome::escape_refused);
    EXPECT_EQ(get("/link_dir_out/secret.txt").outcome, StaticOutcome::escape_refused);
    EXPECT_EQ(get("/sub/link_up/secret.txt").outcome, StaticOutcome::escape_refused);
    EXPECT_EQ(get("/proc_self").outcome, StaticOutcome::escape_refused);
}

TEST_P(StaticResponderTest, FifoIsRefusedWithoutBlocking) {
    const auto response = get("/fifo");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.outcome, StaticOutcome::not_regular);
}

TEST_P(StaticResponderTest, TraversalCorpusNeverServesAnything) {
    for (const auto& path : testing::load_traversal_corpus()) {
        const auto response = get(path);
        EXPECT_TRUE(response.status == 400 || response.status == 404)
            << "path " << path << " answered " << response.status << " (" << to_string(response.outcome) << ")";
        EXPECT_FALSE(response.file.valid()) << path;
        EXPECT_EQ(read_body(response).find("SECRET"), std::string::npos) << path;
        EXPECT_EQ(read_body(response).find("hunter2"), std::string::npos) << path;
    }
}

TEST_P(StaticResponderTest, ConditionalRequestsAnswer304) {
    const auto first = get("/a.txt");
    StaticRequest request;
    request.method = "GET";
    request.path = "/a.txt";
    const std::string etag(first.header("ETag"));
    request.if_none_match = etag;
    auto response = send(request);
    EXPECT_EQ(response.status, 304);
    EXPECT_FALSE(response.send_body);
    EXPECT_EQ(response.header("ETag"), etag);
    EXPECT_TRUE(response.header("Content-Length").empty());

    const std::string list = "\"nope\", W/" + etag;
    request.if_none_match = list;
    EXPECT_EQ(send(request).status, 304);
    request.if_none_match = "\"other\"";
    EXPECT_EQ(send(request).status, 200);

    // If-None-Match present and not matching: If-Modified-Since is ignored.
    const std::string last_modified(first.header("Last-Modified"));
    request.if_modified_since = last_modified;
    EXPECT_EQ(send(request).status, 200);
    request.if_none_match = {};
    EXPECT_EQ(send(request).status, 304);
    request.if_modified_since = "Thu, 01 Jan 1970 00:00:01 GMT";
    EXPECT_EQ(send(request).status, 200);
    request.if_modified_since = "garbage";
    EXPECT_EQ(send(request).status, 200);
}

TEST_P(StaticResponderTest, SingleRange) {
    StaticRequest request;
    request.method = "GET";
    request.path = "/big.bin";
    request.has_range = true;
    request.range = "bytes=26-51";
    auto response = send(request);
    ASSERT_EQ(response.status, 206);
    EXPECT_EQ(read_body(response), "abcdefghijklmnopqrstuvwxyz");
    EXPECT_EQ(response.header("Content-Range"), "bytes 26-51/100000");
    EXPECT_EQ(response.header("Content-Length"), "26");

    request.range = "bytes=-3";
    response = send(request);
    EXPECT_EQ(response.header("Content-Range"), "bytes 99997-99999/100000");
    request.range = "bytes=99990-";
    EXPECT_EQ(send(request).length, 10u);
    request.range = "bytes=99990-200000";
    EXPECT_EQ(send(request).length, 10u);

    request.range = "bytes=100000-";
    response = send(request);
    EXPECT_EQ(response.status, 416);
    EXPECT_EQ(response.header("Content-Range"), "bytes */100000");
    request.range = "bytes=-0";
    EXPECT_EQ(send(request).status, 416);

    request.range = "bytes=0-1,5-6";  // several ranges: the whole file
    EXPECT_EQ(send(request).status, 200);
    request.range = "lines=1-2";
    EXPECT_EQ(send(request).status, 200);
    request.range = "bytes=5-1";
    EXPECT_EQ(send(request).status, 200);
}

TEST_P(StaticResponderTest, IfRangeFallsBackToFullWhenStale) {
    const auto first = get("/big.bin");
    StaticRequest request;
    request.method = "GET";
    request.path = "/big.bin";
    request.has_range = true;
    request.range = "bytes=0-9";
    const std::string etag(first.header("ETag"));
    request.if_range = etag;
    EXPECT_EQ(send(request).status, 206);
    request.if_range = "\"stale\"";
    EXPECT_EQ(send(request).status, 200);
    const std::string weak = "W/" + etag;
    request.if_range = weak;
    EXPECT_EQ(send(request).status, 200);
}

TEST_P(StaticResponderTest, HeadHasHeadersWithoutBody) {
    StaticRequest request;
    request.method = "HEAD";
    request.path = "/a.txt";
    const auto response = send(request);
    EXPECT_EQ(response.status, 200);
    EXPECT_FALSE(response.send_body);
    EXPECT_EQ(response.body_bytes(), 0u);
    EXPECT_EQ(response.header("Content-Length"), "19");
}

TEST_P(StaticResponderTest, OtherMethodsAre405) {
    StaticRequest request;
    request.method = "POST";
    request.path = "/a.txt";
    const auto response = send(request);
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(response.header("Allow"), "GET, HEAD");
}

TEST_P(StaticResponderTest, PrecompressedSiblingsFollowAcceptEncoding) {
    StaticRequest request;
    request.method = "GET";
    request.path = "/a.txt";
    request.accept_encoding = "gzip, deflate, br";
    auto response = send(request);
    EXPECT_EQ(read_body(response), "BROTLI-BYTES-OF-A");
    EXPECT_EQ(response.header("Content-Encoding"), "br");
    EXPECT_EQ(response.header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(response.header("Vary"), "Accept-Encoding");
    const std::string br_etag(response.header("ETag"));

    request.accept_encoding = "gzip;q=1, br;q=0";
    response = send(request);
    EXPECT_EQ(read_body(response), "GZIP-BYTES-OF-A");
    EXPECT_EQ(response.header("Content-Encoding"), "gzip");
    EXPECT_NE(response.header("ETag"), br_etag);

    request.accept_encoding = "identity";
    response = send(request);
    EXPECT_EQ(read_body(response), "hello static world\n");
    EXPECT_TRUE(response.header("Content-Encoding").empty());
    EXPECT_EQ(response.header("Vary"), "Accept-Encoding");

    request.path = "/only_gz.css";
    request.accept_encoding = "*";
    response = send(request);
    EXPECT_EQ(response.header("Content-Encoding"), "gzip");
    EXPECT_EQ(response.header("Content-Type"), "text/css; charset=utf-8");

    StaticRouteOptions off;
    off.precompressed = false;
    request.accept_encoding = "br, gzip";
    response = send(request, off);
    EXPECT_EQ(read_body(response), "body{}\n");
    EXPECT_TRUE(response.header("Vary").empty());
}

TEST_P(StaticResponderTest, CacheControlPerRoute) {
    StaticRouteOptions immutable;
    immutable.cache_control = "public, max-age=31536000, immutable";
    EXPECT_EQ(get("/a.txt", immutable).header("Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_TRUE(get("/a.txt").header("Cache-Control").empty());
}

TEST_P(StaticResponderTest, Utf8NamesAndMissingFiles) {
    EXPECT_EQ(read_body(get("/caf%C3%A9.txt")), "utf-8 name\n");
    EXPECT_EQ(get("/missing.txt").status, 404);
    EXPECT_EQ(get("/a.txt/x").status, 404);
}

// The walk refuses symlinks that stay inside, too; every other answer is the same.
INSTANTIATE_TEST_SUITE_P(BothResolutions, StaticResponderTest,
                         ::testing::Values(StaticRoot::Resolution::kernel_beneath,
                                           StaticRoot::Resolution::walk_without_symlinks),
                         [](const auto& param_info) {
                             return param_info.param == StaticRoot::Resolution::kernel_beneath ? "openat2" : "walk";
                         });

TEST(StaticRoot, MissingRootIsAClearError) {
    std::string error;
    EXPECT_FALSE(StaticRoot::open("/nonexistent/fulcrum/root", error));
    EXPECT_NE(error.find("/nonexistent/fulcrum/root"), std::string::npos);
}

TEST(HttpDate, FormatsAndParsesAllThreeForms) {
    EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
    EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
    EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"));
    EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
    EXPECT_FALSE(parse_http_date(""));
}

TEST(AcceptEncoding, QValues) {
    EXPECT_TRUE(accepts_encoding("gzip, br", "br"));
    EXPECT_FALSE(accepts_encoding("gzip", "br"));
    EXPECT_FALSE(accepts_encoding("br;q=0", "br"));
    EXPECT_FALSE(accepts_encoding("br;q=0.000", "br"));
    EXPECT_TRUE(accepts_encoding("br;q=0.1", "br"));
    EXPECT_TRUE(accepts_encoding("*", "gzip"));
    EXPECT_FALSE(accepts_encoding("*, gzip;q=0", "gzip"));
}

}  // namespace
}  // namespace fulcrum::proxy::static_files
