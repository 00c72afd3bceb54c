#include "proxy/static/small_file_cache.h"

#include <gtest/gtest.h>

#include <string>

#include "proxy/static/static_responder.h"

namespace fulcrum::proxy::static_files {
namespace {

// A responder is only an identity to the cache; its root is never touched here.
std::shared_ptr<const StaticResponder> route() { return std::make_shared<StaticResponder>(nullptr, StaticRouteOptions{}); }

TEST(SmallFileCache, HitsUntilTheTtlThenMisses) {
    SmallFileCache cache(SmallFileCache::Limits{.ttl_ms = 1000});
    const auto r = route();
    EXPECT_EQ(cache.find(r, "/a.css", "", 0), nullptr);
    ASSERT_TRUE(cache.store(r, "/a.css", "", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n", "abc", 0));
    const auto* hit = cache.find(r, "/a.css", "", 999);
    ASSERT_NE(hit, nullptr);
    EXPECT_EQ(hit->head(), "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n");
    EXPECT_EQ(hit->body(), "abc");
    EXPECT_EQ(cache.find(r, "/a.css", "", 1000), nullptr);  // expired, and dropped
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_EQ(cache.total_bytes(), 0u);
}

TEST(SmallFileCache, RoutePathAndVariantAreAllPartOfTheKey) {
    SmallFileCache cache;
    const auto one = route();
    const auto two = route();
    ASSERT_TRUE(cache.store(one, "/x", "gzip", "H1", "one-gzip", 0));
    ASSERT_TRUE(cache.store(one, "/x", "", "H2", "one", 0));
    EXPECT_EQ(cache.find(two, "/x", "", 1), nullptr);
    EXPECT_EQ(cache.find(one, std::string_view("/x\0gzip", 7), "", 1), nullptr);  // no ambiguity
    EXPECT_EQ(cache.find(one, "/x", "gzip", 1)->body(), "one-gzip");
    EXPECT_EQ(cache.find(one, "/x", "", 1)->body(), "one");
    // Storing again replaces, and the byte count follows.
    ASSERT_TRUE(cache.store(one, "/x", "", "H2", "uno!", 2));
    EXPECT_EQ(cache.find(one, "/x", "", 3)->body(), "uno!");
    EXPECT_EQ(cache.total_bytes(), std::string("H1one-gzipH2uno!").size());
}

TEST(SmallFileCache, BoundedByFileSizeEntriesAndBytes) {
    SmallFileCache cache(SmallFileCache::Limits{.ttl_ms = 100, .max_file_bytes = 8, .max_entries = 2, .max_total_bytes = 20});
    const auto r = route();
    EXPECT_FALSE(cache.store(r, "/big", "", "H", "123456789", 0));
    EXPECT_TRUE(cache.store(r, "/1", "", "H", "12345678", 0));
    EXPECT_TRUE(cache.store(r, "/2", "", "H", "1234", 0));
    EXPECT_FALSE(cache.store(r, "/3", "", "H", "1", 50));  // two live entries already
    EXPECT_EQ(cache.find(r, "/3", "", 50), nullptr);
    EXPECT_TRUE(cache.store(r, "/3", "", "H", "1", 100));  // the others expired: room again
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_LE(cache.total_bytes(), cache.limits().max_total_bytes);
}

TEST(SmallFileCache, AnEntryKeepsItsRouteAlive) {
    SmallFileCache cache;
    std::weak_ptr<const StaticResponder> watched;
    {
        auto r = route();
        watched = r;
        ASSERT_TRUE(cache.store(r, "/a", "", "H", "b", 0));
    }
    // The key names the route by address; while the entry lives, that address cannot be
    // reused by another route's responder.
    EXPECT_FALSE(watched.expired());
}

}  // namespace
}  // namespace fulcrum::proxy::static_files
