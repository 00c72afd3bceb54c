#pragma once

#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "proxy/config/config_reader.h"
#include "proxy/server/proxy_server.h"
#include "test_http.h"

namespace fulcrum::proxy::testing {

// Starts a real ProxyServer (2 loop threads) on 127.0.0.1:0 in front of real upstreams.
class ProxyFixture : public ::testing::Test {
protected:
    void SetUp() override { std::signal(SIGPIPE, SIG_IGN); }
    void TearDown() override {
        if (proxy) proxy->stop();
        for (auto& u : upstreams) u->stop();
    }

    void add_upstreams(int n) {
        for (int i = 0; i < n; ++i) {
            // Appended, not `"u" + std::string`: g++ 12 at -O3 reports a false -Wrestrict there
            // (GCC bug 105329), which fails a release build under -Werror.
            std::string name = "u";
            name += std::to_string(upstreams.size());
            upstreams.push_back(std::make_unique<TestUpstream>(name));
        }
    }

    nlohmann::json servers_json(std::vector<int> weights = {}) const {
        nlohmann::json servers = nlohmann::json::array();
        for (std::size_t i = 0; i < upstreams.size(); ++i) {
            nlohmann::json s = {{"address", upstreams[i]->address()}};
            if (i < weights.size()) s["weight"] = weights[i];
            servers.push_back(s);
        }
        return servers;
    }

    nlohmann::json pool_config(const nlohmann::json& pool) const {
        return {{"threads", 2},
                {"listeners", {{{"name", "http"}, {"address", "127.0.0.1:0"}}}},
                {"routes", {{{"path_prefix", "/"}, {"pool", pool["name"]}}}},
                {"pools", {pool}}};
    }

    void start(const nlohmann::json& document, server::ServerOptions options = {}) {
        auto result = config::read_config(document);
        ASSERT_TRUE(result.ok()) << (result.errors.empty() ? "" : config::format_error(result.errors[0]));
        proxy = std::make_unique<server::ProxyServer>(options);
        std::vector<config::ConfigError> errors;
        ASSERT_TRUE(proxy->start(*result.config, errors)) << (errors.empty() ? "" : errors[0].message);
        port = proxy->listener_endpoint("http")->port();
    }

    std::map<std::string, int> distribution(int requests, const std::string& target = "/") {
        std::map<std::string, int> counts;
        for (int i = 0; i < requests; ++i) {
            auto response = http_get(port, target);
            counts[response.ok() ? response.headers["x-upstream"] : "failed"]++;
        }
        return counts;
    }

    std::vector<std::unique_ptr<TestUpstream>> upstreams;
    std::unique_ptr<server::ProxyServer> proxy;
    std::uint16_t port = 0;
};

}  // namespace fulcrum::proxy::testing
