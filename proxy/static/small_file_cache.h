#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fulcrum::proxy::static_files {

class StaticResponder;

// Whole answers (head without the connection's own lines, and the body) of small files that
// a static route served with 200, kept for a second. A hit is one write instead of openat2,
// fstat, pread, close and the write: the metadata cache nginx calls open_file_cache, plus the
// bytes, since the files are small. A file changed on disk is served fresh within `ttl_ms`.
// Only unconditional GET/HEAD without Range may use it (the caller decides); everything
// else takes the full path with its checks. One per loop thread: no locks.
class SmallFileCache {
public:
    struct Limits {
        std::int64_t ttl_ms = 1000;
        std::size_t max_file_bytes = 16 * 1024;
        std::size_t max_entries = 512;
        std::size_t max_total_bytes = 4 * 1024 * 1024;
    };

    struct Entry {
        // Holds the route's responder, so a key (which names it by address) can never match
        // a different responder that reuses the address after a config swap.
        std::shared_ptr<const StaticResponder> route;
        std::string bytes;          // head lines (no final blank line), then the body
        std::size_t head_size = 0;  // bytes[0, head_size) is the head
        std::int64_t expires_ms = 0;

        std::string_view head() const { return std::string_view(bytes).substr(0, head_size); }
        std::string_view body() const { return std::string_view(bytes).substr(head_size); }
    };

    SmallFileCache() = default;
    explicit SmallFileCache(Limits limits) : m_limits(limits) {}

    // `variant` distinguishes representations of one path (the Accept-Encoding value when
    // the route serves precompressed siblings, otherwise empty).
    const Entry* find(const std::shared_ptr<const StaticResponder>& route, std::string_view path,
                      std::string_view variant, std::int64_t now_ms);
    // Returns false when the body is too large or the cache is full of live entries.
    bool store(const std::shared_ptr<const StaticResponder>& route, std::string_view path, std::string_view variant,
               std::string_view head, std::string_view body, std::int64_t now_ms);

    std::size_t size() const { return m_entries.size(); }
    std::size_t total_bytes() const { return m_total; }
    const Limits& limits() const { return m_limits; }

private:
    const std::string& key(const StaticResponder* route, std::string_view path, std::string_view variant);
    void drop_expired(std::int64_t now_ms);

    Limits m_limits;
    std::unordered_map<std::string, Entry> m_entries;
    std::size_t m_total = 0;
    std::string m_key;  // reused, so a lookup allocates nothing once warm
};

}  // namespace fulcrum::proxy::static_files
