#include "proxy/config/config_reader.h"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <set>
#include <string>

#include "proxy/config/json_positions.h"

namespace fulcrum::proxy::config {

namespace {

using json = nlohmann::json;

constexpr std::uint64_t kMaxDurationMs = 24ull * 3600 * 1000;

std::string member_path(const std::string& parent, std::string_view key) {
    return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}
std::string index_path(const std::string& parent, std::size_t index) {
    return parent + "[" + std::to_string(index) + "]";
}

const char* type_name(const json& value) {
    switch (value.type()) {
        case json::value_t::null: return "null";
        case json::value_t::object: return "an object";
        case json::value_t::array: return "an array";
        case json::value_t::string: return "a string";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return "an integer";
        case json::value_t::number_float: return "a number with a fraction";
        default: return "something else";
    }
}

bool is_token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
}
bool is_header_token(std::string_view name) {
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    if (name.empty() || name.size() > 128) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               extra.find(c) != std::string_view::npos;
    });
}
bool has_control(std::string_view text) {
    return std::any_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Collects errors while reading one document; every getter checks type and range and
// reports with the member's path rather than throwing.
class Reader {
public:
    explicit Reader(std::vector<ConfigError>& errors) : m_errors(errors) {}

    void error(const std::string& path, std::string message) { m_errors.push_back({path, std::move(message)}); }
    std::size_t error_count() const { return m_errors.size(); }

    bool object(const json& value, const std::string& path) {
        if (value.is_object()) return true;
        error(path, std::string("must be an object, not ") + type_name(value));
        return false;
    }

    void known_keys(const json& object, const std::string& path, std::initializer_list<std::string_view> allowed) {
        for (const auto& [key, value] : object.items()) {
            if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
                std::string list;
                for (const auto name : allowed) {
                    if (!list.empty()) list += ", ";
                    list += name;
                }
                error(member_path(path, key), "unknown key (allowed here: " + list + ")");
            }
        }
    }

    const json* member(const json& object, std::string_view key) {
        const auto it = object.find(key);
        return it == object.end() ? nullptr : &*it;
    }

    bool string(const json& object, std::string_view key, const std::string& path, std::string& out,
                bool required, std::size_t max_bytes = 4096) {
        const json* value = member(object, key);
        const std::string where = member_path(path, key);
        if (!value) {
            if (required) error(where, "is required");
            return false;
        }
        if (!value->is_string()) {
            error(where, std::string("must be a string, not ") + type_name(*value));
            return false;
        }
        const auto& text = value->get_ref<const std::string&>();
        if (text.size() > max_bytes) {
            error(where, "is longer than " + std::to_string(max_bytes) + " bytes");
            return false;
        }
        if (has_control(text)) {
            error(where, "must not contain control characters");
            return false;
        }
        out = text;
        return true;
    }

    bool optional_string(const json& object, std::string_view key, const std::string& path,
                         std::optional<std::string>& out) {
        std::string text;
        if (!string(object, key, path, text, false)) return false;
        out = std::move(text);
        return true;
    }

    bool boolean(const json& object, std::string_view key, const std::string& path, bool& out) {
        const json* value = member(object, key);
        if (!value) return false;
        if (!value->is_boolean()) {
            error(member_path(path, key), std::string("must be true or false, not ") + type_name(*value));
            return false;
        }
        out = value->get<bool>();
        return true;
    }

    template <typename T>
    bool integer(const json& object, std::string_view key, const std::string& path, T& out, std::uint64_t min,
                 std::uint64_t max, bool required = false) {
        const json* value = member(object, key);
        const std::string where = member_path(path, key);
        if (!value) {
            if (required) error(where, "is required");
            return false;
        }
        if (!value->is_number_integer()) {
            error(where, std::string("must be an integer, not ") + type_name(*value));
            return false;
        }
        const bool negative = value->is_number_integer() && !value->is_number_unsigned() && value->get<std::int64_t>() < 0;
        const std::uint64_t number = negative ? 0 : value->get<std::uint64_t>();
        if (negative || number < min || number > max) {
            error(where, "must be from " + std::to_string(min) + " to " + std::to_string(max));
            return false;
        }
        out = static_cast<T>(number);
        return true;
    }

    bool duration(const json& object, std::string_view key, const std::string& path, std::uint64_t& out) {
        return integer(object, key, path, out, 1, kMaxDurationMs);
    }

    bool address(const json& object, std::string_view key, const std::string& path, std::string& text,
                 SocketAddress& out, bool required) {
        if (!string(object, key, path, text, required, 80)) return false;
        std::string why;
        const auto parsed = parse_socket_address(text, why);
        if (!parsed) {
            error(member_path(path, key), "'" + text + "': " + why);
            return false;
        }
        out = *parsed;
        return true;
    }

    const json* array(const json& object, std::string_view key, const std::string& path, std::size_t max_items,
                      bool required) {
        const json* value = member(object, key);
        const std::string where = member_path(path, key);
        if (!value) {
            if (required) error(where, "is required");
            return nullptr;
        }
        if (!value->is_array()) {
            error(where, std::string("must be an array, not ") + type_name(*value));
            return nullptr;
        }
        if (value->size() > max_items) {
            error(where, "has more than " + std::to_string(max_items) + " entries");
            return nullptr;
        }
        return value;
    }

private:
    std::vector<ConfigError>& m_errors;
};

bool valid_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), is_token_char);
}

// What useradd accepts by default (NAME_REGEX), so a typo is caught before any lookup.
bool valid_user_name(std::string_view name) {
    if (name.empty() || name.size() > 32 || name.front() == '-') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    });
}

bool valid_host_pattern(std::string_view host) {
    if (host.rfind("*.", 0) == 0) host.remove_prefix(2);
    if (host.empty() || host.size() > 253) return false;
    return std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
}

bool valid_url_path(std::string_view path) {
    if (path.empty() || path.front() != '/' || path.size() > 1024) return false;
    return std::none_of(path.begin(), path.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '#' || c == '?' || c == '\\';
    });
}

std::optional<Balance> balance_from_string(std::string_view text) {
    if (text == "round_robin") return Balance::round_robin;
    if (text == "least_conn") return Balance::least_conn;
    if (text == "ip_hash") return Balance::ip_hash;
    if (text == "hash") return Balance::hash;
    if (text == "random_two") return Balance::random_two;
    return std::nullopt;
}

std::optional<HashKey> hash_key_from_string(std::string_view text) {
    if (text == "uri") return HashKey{HashKey::Kind::uri, {}};
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto kind = text.substr(0, colon);
    const auto name = text.substr(colon + 1);
    if (!is_header_token(name)) return std::nullopt;
    if (kind == "header") return HashKey{HashKey::Kind::header, std::string(name)};
    if (kind == "cookie") return HashKey{HashKey::Kind::cookie, std::string(name)};
    return std::nullopt;
}

std::optional<ServerConfig> read_server_impl(Reader& r, const json& value, const std::string& path) {
    const auto before = r.error_count();
    if (!r.object(value, path)) return std::nullopt;
    r.known_keys(value, path, {"address", "weight", "state", "backup"});
    ServerConfig server;
    if (r.address(value, "address", path, server.address, server.endpoint, true) && server.endpoint.port == 0) {
        r.error(member_path(path, "address"), "an upstream port must not be 0");
    }
    r.integer(value, "weight", path, server.weight, 1, 1000);
    std::string state;
    if (r.string(value, "state", path, state, false)) {
        if (const auto parsed = server_state_from_string(state)) {
            server.state = *parsed;
        } else {
            r.error(member_path(path, "state"), "'" + state + "' is not one of active, draining, disabled");
        }
    }
    r.boolean(value, "backup", path, server.backup);
    if (r.error_count() != before) return std::nullopt;
    return server;
}

std::optional<HealthConfig> read_health(Reader& r, const json& value, const std::string& path) {
    if (!r.object(value, path)) return std::nullopt;
    r.known_keys(value, path,
                 {"path", "interval_ms", "timeout_ms", "rise", "fall", "expect_status_min", "expect_status_max"});
    HealthConfig health;
    if (r.string(value, "path", path, health.path, false, 1024) && !valid_url_path(health.path)) {
        r.error(member_path(path, "path"), "must start with '/' and contain no spaces, '?', '#' or '\\'");
    }
    r.duration(value, "interval_ms", path, health.interval_ms);
    r.duration(value, "timeout_ms", path, health.timeout_ms);
    r.integer(value, "rise", path, health.rise, 1, 100);
    r.integer(value, "fall", path, health.fall, 1, 100);
    r.integer(value, "expect_status_min", path, health.expect_status_min, 100, 599);
    r.integer(value, "expect_status_max", path, health.expect_status_max, 100, 599);
    if (health.expect_status_min > health.expect_status_max) {
        r.error(member_path(path, "expect_status_max"), "must not be below expect_status_min");
    }
    if (health.timeout_ms > health.interval_ms) {
        r.error(member_path(path, "timeout_ms"), "must not be longer than interval_ms");
    }
    return health;
}

std::optional<PoolConfig> read_pool_impl(Reader& r, const json& value, const std::string& path,
                                         const ConfigLimits& limits) {
    const auto before = r.error_count();
    if (!r.object(value, path)) return std::nullopt;
    r.known_keys(value, path,
                 {"name", "balance", "hash_key", "follow_workers", "servers", "health", "max_fails",
                  "fail_timeout_ms", "keepalive", "connect_timeout_ms", "response_timeout_ms"});
    PoolConfig pool;
    if (r.string(value, "name", path, pool.name, true) && !valid_name(pool.name)) {
        r.error(member_path(path, "name"), "must be 1-64 characters of letters, digits, '-', '_', '.'");
    }
    std::string balance;
    if (r.string(value, "balance", path, balance, false)) {
        if (const auto parsed = balance_from_string(balance)) {
            pool.balance = *parsed;
        } else {
            r.error(member_path(path, "balance"),
                    "'" + balance + "' is not one of round_robin, least_conn, ip_hash, hash, random_two");
        }
    }
    std::string hash_key;
    if (r.string(value, "hash_key", path, hash_key, false)) {
        if (pool.balance != Balance::hash) {
            r.error(member_path(path, "hash_key"), "is only used with balance \"hash\"");
        } else if (const auto parsed = hash_key_from_string(hash_key)) {
            pool.hash_key = *parsed;
        } else {
            r.error(member_path(path, "hash_key"), "'" + hash_key + "' is not uri, header:NAME or cookie:NAME");
        }
    } else if (pool.balance == Balance::hash && !r.member(value, "hash_key")) {
        r.error(member_path(path, "hash_key"), "is required with balance \"hash\"");
    }
    std::string follow;
    if (r.string(value, "follow_workers", path, follow, false, 64)) {
        if (valid_name(follow)) {
            pool.follow_workers = follow;
        } else {
            r.error(member_path(path, "follow_workers"), "must name a worker group");
        }
    }
    if (const json* servers = r.array(value, "servers", path, limits.max_servers_per_pool, false)) {
        const std::string servers_path = member_path(path, "servers");
        std::set<std::string> seen;
        for (std::size_t i = 0; i < servers->size(); ++i) {
            const auto server = read_server_impl(r, (*servers)[i], index_path(servers_path, i));
            if (!server) continue;
            if (!seen.insert(server->endpoint.to_string()).second) {
                r.error(member_path(index_path(servers_path, i), "address"),
                        "'" + server->address + "' is already a server of this pool");
                continue;
            }
            pool.servers.push_back(*server);
        }
    }
    if (const json* health = r.member(value, "health")) {
        pool.health = read_health(r, *health, member_path(path, "health"));
    }
    r.integer(value, "max_fails", path, pool.max_fails, 0, 1000);
    r.duration(value, "fail_timeout_ms", path, pool.fail_timeout_ms);
    if (const json* keepalive = r.member(value, "keepalive")) {
        const std::string keepalive_path = member_path(path, "keepalive");
        if (r.object(*keepalive, keepalive_path)) {
            r.known_keys(*keepalive, keepalive_path, {"max_idle", "idle_timeout_ms"});
            r.integer(*keepalive, "max_idle", keepalive_path, pool.keepalive.max_idle, 0, 10000);
            r.duration(*keepalive, "idle_timeout_ms", keepalive_path, pool.keepalive.idle_timeout_ms);
        }
    }
    r.duration(value, "connect_timeout_ms", path, pool.connect_timeout_ms);
    r.duration(value, "response_timeout_ms", path, pool.response_timeout_ms);
    if (r.error_count() != before) return std::nullopt;
    return pool;
}

std::optional<ListenerConfig> read_listener(Reader& r, const json& value, const std::string& path) {
    const auto before = r.error_count();
    if (!r.object(value, path)) return std::nullopt;
    r.known_keys(value, path, {"name", "address", "redirect_to_https", "tls", "hsts_max_age"});
    ListenerConfig listener;
    if (r.string(value, "name", path, listener.name, true) && !valid_name(listener.name)) {
        r.error(member_path(path, "name"), "must be 1-64 characters of letters, digits, '-', '_', '.'");
    }
    r.address(value, "address", path, listener.address, listener.endpoint, true);
    r.boolean(value, "redirect_to_https", path, listener.redirect_to_https);
    if (const json* tls = r.member(value, "tls")) {
        const std::string tls_path = member_path(path, "tls");
        if (r.object(*tls, tls_path)) {
            r.known_keys(*tls, tls_path, {"certificates"});
            ListenerTlsConfig config;
            if (const json* certificates = r.array(*tls, "certificates", tls_path, 32, true)) {
                const std::string list_path = member_path(tls_path, "certificates");
                if (certificates->empty()) r.error(list_path, "needs at least one certificate");
                for (std::size_t i = 0; i < certificates->size(); ++i) {
                    const std::string item = index_path(list_path, i);
                    if (!r.object((*certificates)[i], item)) continue;
                    r.known_keys((*certificates)[i], item, {"cert", "key"});
                    TlsCertificateConfig files;
                    for (auto [key, out] : {std::pair<std::string_view, std::string*>{"cert", &files.cert},
                                            std::pair<std::string_view, std::string*>{"key", &files.key}}) {
                        if (r.string((*certificates)[i], key, item, *out, true) && out->front() != '/') {
                            r.error(member_path(item, key), "must be an absolute path");
                        }
                    }
                    config.certificates.push_back(files);
                }
            }
            listener.tls = config;
        }
    }
    const bool hsts = r.integer(value, "hsts_max_age", path, listener.hsts_max_age, 0, 2ull * 365 * 24 * 3600);
    if (hsts && listener.hsts_max_age > 0 && !r.member(value, "tls")) {
        r.error(member_path(path, "hsts_max_age"), "is only sent on a TLS listener (browsers ignore it over http)");
    }
    if (listener.redirect_to_https && r.member(value, "tls")) {
        r.error(member_path(path, "redirect_to_https"), "a TLS listener cannot redirect to itself");
    }
    if (r.error_count() != before) return std::nullopt;
    return listener;
}

std::optional<RouteConfig> read_route(Reader& r, const json& value, const std::string& path) {
    const auto before = r.error_count();
    if (!r.object(value, path)) return std::nullopt;
    r.known_keys(value, path, {"path_prefix", "host", "listeners", "pool", "static"});
    RouteConfig route;
    if (r.string(value, "path_prefix", path, route.path_prefix, true, 1024) && !valid_url_path(route.path_prefix)) {
        r.error(member_path(path, "path_prefix"), "must start with '/' and contain no spaces, '?', '#' or '\\'");
    }
    std::string host;
    if (r.string(value, "host", path, host, false, 253)) {
        if (valid_host_pattern(host)) {
            route.host = host;
        } else {
            r.error(member_path(path, "host"),
                    "must be a lower-case host name, optionally starting with '*.' (no port)");
        }
    }
    if (const json* listeners = r.array(value, "listeners", path, 64, false)) {
        route.listeners.emplace();
        for (std::size_t i = 0; i < listeners->size(); ++i) {
            const auto& item = (*listeners)[i];
            if (!item.is_string()) {
                r.error(index_path(member_path(path, "listeners"), i), "must be a listener name");
                continue;
            }
            route.listeners->push_back(item.get<std::string>());
        }
    }
    r.optional_string(value, "pool", path, route.pool);
    if (const json* files = r.member(value, "static")) {
        const std::string static_path = member_path(path, "static");
        if (r.object(*files, static_path)) {
            r.known_keys(*files, static_path, {"root", "cache_control", "index", "allow_dotfiles", "precompressed"});
            StaticConfig config;
            if (r.string(*files, "root", static_path, config.root, true) && config.root.front() != '/') {
                r.error(member_path(static_path, "root"), "must be an absolute path");
            }
            r.string(*files, "cache_control", static_path, config.cache_control, false, 256);
            if (r.string(*files, "index", static_path, config.index, false, 255) &&
                (config.index.find('/') != std::string::npos || config.index == "." || config.index == "..")) {
                r.error(member_path(static_path, "index"), "must be a file name, not a path");
            }
            r.boolean(*files, "allow_dotfiles", static_path, config.allow_dotfiles);
            r.boolean(*files, "precompressed", static_path, config.precompressed);
            route.static_files = config;
        }
    }
    const bool has_pool = r.member(value, "pool") != nullptr;
    const bool has_static = r.member(value, "static") != nullptr;
    if (has_pool == has_static) {
        r.error(path, has_pool ? "has both \"pool\" and \"static\"; a route sends to one of them"
                               : "needs \"pool\" or \"static\"");
    }
    if (r.error_count() != before) return std::nullopt;
    return route;
}

}  // namespace

ConfigResult read_config(const nlohmann::json& document, const ConfigLimits& limits) {
    ConfigResult result;
    Reader r(result.errors);
    if (!r.object(document, "")) return result;
    r.known_keys(document, "", {"threads", "user", "access_log", "listeners", "routes", "pools", "metrics_listener", "workers"});
    ProxyConfig config;

    if (const json* threads = r.member(document, "threads")) {
        if (threads->is_string() && threads->get_ref<const std::string&>() == "auto") {
            config.threads.reset();
        } else if (threads->is_number_integer()) {
            std::uint32_t count = 0;
            if (r.integer(document, "threads", "", count, 1, 64)) config.threads = count;
        } else {
            r.error("threads", "must be \"auto\" or a number from 1 to 64");
        }
    }

    std::vector<std::size_t> listener_index;  // position in the document of each read listener
    if (const json* listeners = r.array(document, "listeners", "", limits.max_listeners, false)) {
        std::set<std::string> names;
        std::set<std::string> addresses;
        for (std::size_t i = 0; i < listeners->size(); ++i) {
            const std::string path = index_path("listeners", i);
            auto listener = read_listener(r, (*listeners)[i], path);
            if (!listener) continue;
            if (!names.insert(listener->name).second) {
                r.error(member_path(path, "name"), "'" + listener->name + "' is already the name of a listener");
            }
            if (!addresses.insert(listener->endpoint.to_string()).second && listener->endpoint.port != 0) {
                r.error(member_path(path, "address"), "'" + listener->address + "' is already used by a listener");
            }
            config.listeners.push_back(std::move(*listener));
            listener_index.push_back(i);
        }
    }

    const auto errors_before_pools = r.error_count();
    if (const json* pools = r.array(document, "pools", "", limits.max_pools, false)) {
        std::set<std::string> names;
        for (std::size_t i = 0; i < pools->size(); ++i) {
            const std::string path = index_path("pools", i);
            auto pool = read_pool_impl(r, (*pools)[i], path, limits);
            if (!pool) continue;
            if (!names.insert(pool->name).second) {
                r.error(member_path(path, "name"), "'" + pool->name + "' is already the name of a pool");
            }
            config.pools.push_back(std::move(*pool));
        }
    }

    // A route naming a pool that failed to read is not a second error.
    const bool pools_complete = r.error_count() == errors_before_pools;
    const bool any_tls = std::any_of(config.listeners.begin(), config.listeners.end(),
                                     [](const ListenerConfig& l) { return l.tls.has_value(); });
    for (std::size_t i = 0; i < config.listeners.size(); ++i) {
        if (config.listeners[i].redirect_to_https && !any_tls) {
            r.error(member_path(index_path("listeners", listener_index[i]), "redirect_to_https"),
                    "there is no TLS listener to redirect to");
        }
    }

    if (const json* routes = r.array(document, "routes", "", limits.max_routes, false)) {
        for (std::size_t i = 0; i < routes->size(); ++i) {
            const std::string path = index_path("routes", i);
            auto route = read_route(r, (*routes)[i], path);
            if (!route) continue;
            if (route->pool && !config.find_pool(*route->pool) && pools_complete) {
                r.error(member_path(path, "pool"), "no pool is named '" + *route->pool + "'");
            }
            if (route->listeners) {
                for (std::size_t k = 0; k < route->listeners->size(); ++k) {
                    const auto& name = (*route->listeners)[k];
                    if (!config.find_listener(name)) {
                        r.error(index_path(member_path(path, "listeners"), k), "no listener is named '" + name + "'");
                    }
                }
            }
            config.routes.push_back(std::move(*route));
        }
    }

    std::string metrics;
    if (r.string(document, "metrics_listener", "", metrics, false, 80)) {
        std::string why;
        const auto parsed = parse_socket_address(metrics, why);
        if (!parsed) {
            r.error("metrics_listener", "'" + metrics + "': " + why);
        } else if (!parsed->is_loopback()) {
            r.error("metrics_listener", "must be a loopback address (127.0.0.1 or [::1]): metrics are not public");
        } else {
            config.metrics_listener = metrics;
            config.metrics_endpoint = parsed;
        }
    }

    std::string user;
    if (r.string(document, "user", "", user, false, 32)) {
        if (!valid_user_name(user)) {
            r.error("user", "'" + user + "' is not an account name (letters, digits, '_', '-', '.'; not starting with '-')");
        } else if (user == "root") {
            r.error("user", "must not be root: it names the account the proxy drops to after binding");
        } else {
            config.user = user;
        }
    }

    if (const json* access_log = r.member(document, "access_log")) {
        if (r.object(*access_log, "access_log")) {
            r.known_keys(*access_log, "access_log", {"path", "format"});
            AccessLogConfig log;
            const bool path_ok = r.string(*access_log, "path", "access_log", log.path, true, 1024);
            if (path_ok && (log.path.empty() || log.path.front() != '/' || log.path.back() == '/')) {
                r.error("access_log.path", "must be an absolute path to a file");
            }
            std::string format;
            if (r.string(*access_log, "format", "access_log", format, false, 16)) {
                if (format == "json") {
                    log.format = AccessLogFormat::json;
                } else if (format != "combined") {
                    r.error("access_log.format", "'" + format + "' is not a format (combined, json)");
                }
            }
            if (path_ok) config.access_log = log;
        }
    }

    if (const json* workers = r.member(document, "workers")) config.workers = *workers;

    if (result.errors.empty()) result.config = std::move(config);
    return result;
}

ConfigResult read_config_text(std::string_view text, const ConfigLimits& limits) {
    ConfigResult result;
    if (text.size() > limits.max_text_bytes) {
        result.errors.push_back({"", "the file is larger than " + std::to_string(limits.max_text_bytes) + " bytes", 1, 1});
        return result;
    }
    // nlohmann's parser is iterative but its values destruct recursively in older releases;
    // bound the nesting before handing it anything.
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limits.max_depth) {
                const auto position = JsonPositions::position_of(text, i);
                result.errors.push_back({"", "nested deeper than " + std::to_string(limits.max_depth) + " levels",
                                         position.line, position.column});
                return result;
            }
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    json document;
    try {
        document = json::parse(text.begin(), text.end(), nullptr, true, false);
    } catch (const json::parse_error& e) {
        // e.byte is 1-based and points just past the offending character.
        const auto position = JsonPositions::position_of(text, e.byte > 0 ? e.byte - 1 : 0);
        std::string message = e.what();
        // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix.
        if (const auto colon = message.find(": "); colon != std::string::npos) message = message.substr(colon + 2);
        result.errors.push_back({"", "JSON syntax error: " + message, position.line, position.column});
        return result;
    } catch (const std::exception& e) {
        result.errors.push_back({"", std::string("cannot read the document: ") + e.what(), 1, 1});
        return result;
    }
    const auto positions = JsonPositions::scan(text);
    std::vector<ConfigError> duplicates;
    for (const auto& path : positions.duplicate_keys()) {
        // Keys inside workers are the agent's to judge, but a duplicate is ambiguous anywhere.
        duplicates.push_back({path, "duplicate key (only the last one would count)"});
    }
    result = read_config(document, limits);
    if (!duplicates.empty()) {
        result.errors.insert(result.errors.begin(), duplicates.begin(), duplicates.end());
        result.config.reset();
    }
    for (auto& error : result.errors) {
        const auto position = positions.find(error.path);
        error.line = position.line;
        error.column = position.column;
    }
    return result;
}

std::optional<PoolConfig> read_pool(const nlohmann::json& pool, const std::string& path,
                                    std::vector<ConfigError>& errors) {
    Reader r(errors);
    return read_pool_impl(r, pool, path, ConfigLimits{});
}

std::optional<ServerConfig> read_server(const nlohmann::json& server, const std::string& path,
                                        std::vector<ConfigError>& errors) {
    Reader r(errors);
    return read_server_impl(r, server, path);
}

std::vector<ConfigError> validate_proxy_config(const nlohmann::json& document) {
    return read_config(document).errors;
}

std::string format_error(const ConfigError& error, const std::string& file) {
    std::string out;
    if (!file.empty()) out += file + ":";
    if (error.line > 0) out += std::to_string(error.line) + ":" + std::to_string(error.column) + ":";
    if (!out.empty()) out += " ";
    out += error.path.empty() ? "(document)" : error.path;
    out += ": ";
    out += error.message;
    return out;
}

}  // namespace fulcrum::proxy::config
