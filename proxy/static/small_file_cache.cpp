#include "proxy/static/small_file_cache.h"

#include <cstring>

namespace fulcrum::proxy::static_files {

const std::string& SmallFileCache::key(const StaticResponder* route, std::string_view path, std::string_view variant) {
    m_key.clear();
    char address[sizeof route];
    std::memcpy(address, &route, sizeof route);
    m_key.append(address, sizeof address);
    m_key.append(path);
    m_key.push_back('\0');  // a path never holds NUL (the decoder refuses it)
    m_key.append(variant);
    return m_key;
}

const SmallFileCache::Entry* SmallFileCache::find(const std::shared_ptr<const StaticResponder>& route,
                                                  std::string_view path, std::string_view variant, std::int64_t now_ms) {
    const auto it = m_entries.find(key(route.get(), path, variant));
    if (it == m_entries.end()) return nullptr;
    if (it->second.expires_ms <= now_ms) {
        m_total -= it->second.bytes.size();
        m_entries.erase(it);
        return nullptr;
    }
    return &it->second;
}

void SmallFileCache::drop_expired(std::int64_t now_ms) {
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (it->second.expires_ms <= now_ms) {
            m_total -= it->second.bytes.size();
            it = m_entries.erase(it);
        } else {
            ++it;
        }
    }
}

bool SmallFileCache::store(const std::shared_ptr<const StaticResponder>& route, std::string_view path,
                           std::string_view variant, std::string_view head, std::string_view body, std::int64_t now_ms) {
    if (body.size() > m_limits.max_file_bytes) return false;
    const auto& k = key(route.get(), path, variant);
    if (const auto it = m_entries.find(k); it != m_entries.end()) {
        m_total -= it->second.bytes.size();
        m_entries.erase(it);
    }
    const std::size_t bytes = head.size() + body.size();
    if (m_entries.size() >= m_limits.max_entries || m_total + bytes > m_limits.max_total_bytes) drop_expired(now_ms);
    if (m_entries.size() >= m_limits.max_entries || m_total + bytes > m_limits.max_total_bytes) return false;
    Entry entry;
    entry.route = route;
    entry.bytes.reserve(bytes);
    entry.bytes.append(head);
    entry.bytes.append(body);
    entry.head_size = head.size();
    entry.expires_ms = now_ms + m_limits.ttl_ms;
    m_total += bytes;
    m_entries.emplace(m_key, std::move(entry));
    return true;
}

}  // namespace fulcrum::proxy::static_files
