#include "proxy/server/snapshot.h"

namespace fulcrum::proxy::server {

bool host_matches(std::string_view pattern, std::string_view host) {
    if (pattern.rfind("*.", 0) == 0) {
        const auto suffix = pattern.substr(1);  // ".example.com"
        return host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix;
    }
    return pattern == host;
}

std::shared_ptr<pool::PoolRuntime> build_pool(const config::PoolConfig& config, const pool::PoolRuntime* previous) {
    std::vector<std::shared_ptr<pool::ServerRuntime>> servers;
    for (const auto& server : config.servers) {
        std::shared_ptr<pool::ServerRuntime> reused;
        if (previous) {
            for (const auto& old : previous->servers()) {
                if (old->endpoint().port() == server.endpoint.port &&
                    old->endpoint().address().to_string() == server.endpoint.ip) {
                    reused = old;
                    break;
                }
            }
        }
        if (reused) {
            reused->apply(server);
            servers.push_back(reused);
        } else {
            servers.push_back(std::make_shared<pool::ServerRuntime>(server));
        }
    }
    auto stats = previous ? previous->stats_ptr() : std::make_shared<TrafficStats>();
    return std::make_shared<pool::PoolRuntime>(config, std::move(servers), std::move(stats));
}

std::shared_ptr<Snapshot> Snapshot::build(const config::ProxyConfig& config, const Snapshot* previous,
                                          std::vector<config::ConfigError>& errors) {
    auto out = std::make_shared<Snapshot>();
    out->config = config;
    std::uint16_t https_port = 0;
    for (const auto& l : config.listeners) {
        if (l.tls) {
            https_port = l.endpoint.port;
            break;
        }
    }
    for (std::size_t i = 0; i < config.listeners.size(); ++i) {
        const auto& l = config.listeners[i];
        ListenerRuntime runtime;
        runtime.config = l;
        runtime.key = l.endpoint.to_string();
        runtime.https_port = https_port;
        const ListenerRuntime* old = nullptr;
        if (previous) {
            for (const auto& candidate : previous->listeners) {
                if (candidate.config.name == l.name) old = &candidate;
            }
        }
        runtime.stats = old ? old->stats : std::make_shared<TrafficStats>();
        if (l.tls) {
            std::vector<tls::CertificateFiles> files;
            for (const auto& pair : l.tls->certificates) files.push_back({pair.cert, pair.key});
            if (old && old->tls && old->config.tls == l.tls) {
                runtime.tls = old->tls;
            } else {
                std::string error;
                runtime.tls = tls::CertificateStore::create(files, error);
                if (!runtime.tls) errors.push_back({"listeners[" + std::to_string(i) + "].tls.certificates", error});
            }
        }
        out->listeners.push_back(std::move(runtime));
    }
    for (const auto& p : config.pools) {
        const auto previous_pool = previous ? previous->pool(p.name) : nullptr;
        out->pools.push_back(build_pool(p, previous_pool.get()));
    }
    for (std::size_t i = 0; i < config.routes.size(); ++i) {
        const auto& r = config.routes[i];
        RouteRuntime runtime;
        runtime.config = r;
        if (r.pool) runtime.pool = out->pool(*r.pool);
        if (r.static_files) {
            std::string error;
            auto root = static_files::StaticRoot::open(r.static_files->root, error);
            if (!root) {
                errors.push_back({"routes[" + std::to_string(i) + "].static.root", error});
                continue;
            }
            static_files::StaticRouteOptions options;
            options.index = r.static_files->index;
            options.allow_dotfiles = r.static_files->allow_dotfiles;
            options.precompressed = r.static_files->precompressed;
            options.cache_control = r.static_files->cache_control;
            runtime.files = std::make_shared<static_files::StaticResponder>(std::move(root), std::move(options));
        }
        out->routes.push_back(std::move(runtime));
    }
    if (!errors.empty()) return nullptr;
    return out;
}

std::shared_ptr<Snapshot> Snapshot::with_pool(std::shared_ptr<pool::PoolRuntime> replacement) const {
    auto out = std::make_shared<Snapshot>(*this);
    bool found = false;
    for (auto& p : out->pools) {
        if (p->config().name == replacement->config().name) {
            p = replacement;
            found = true;
        }
    }
    if (!found) out->pools.push_back(replacement);
    for (auto& r : out->routes) {
        if (r.config.pool && *r.config.pool == replacement->config().name) r.pool = replacement;
    }
    bool config_found = false;
    for (auto& p : out->config.pools) {
        if (p.name == replacement->config().name) {
            p = replacement->config();
            config_found = true;
        }
    }
    if (!config_found) out->config.pools.push_back(replacement->config());
    return out;
}

const ListenerRuntime* Snapshot::listener_by_key(std::string_view key) const {
    for (const auto& l : listeners) {
        if (l.key == key) return &l;
    }
    return nullptr;
}

const RouteRuntime* Snapshot::route(std::string_view listener, std::string_view host, std::string_view path) const {
    for (const auto& r : routes) {
        if (r.config.listeners) {
            bool listed = false;
            for (const auto& name : *r.config.listeners) listed |= name == listener;
            if (!listed) continue;
        }
        if (r.config.host && !host_matches(*r.config.host, host)) continue;
        if (path.substr(0, r.config.path_prefix.size()) != r.config.path_prefix) continue;
        return &r;
    }
    return nullptr;
}

std::shared_ptr<pool::PoolRuntime> Snapshot::pool(std::string_view name) const {
    for (const auto& p : pools) {
        if (p->config().name == name) return p;
    }
    return nullptr;
}

config::ProxyConfig Snapshot::live_config() const {
    auto out = config;
    for (auto& p : out.pools) {
        if (const auto runtime = pool(p.name)) p = runtime->live_config();
    }
    return out;
}

}  // namespace fulcrum::proxy::server
