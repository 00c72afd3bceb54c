#include "agent/config/config_validator.h"
#include "agent/config/proxy_section.h"

#include <gtest/gtest.h>

namespace fulcrum::agent {
namespace {

using nlohmann::json;

std::vector<protocol::ValidationError> errors_of(const json& document) {
    std::vector<protocol::ValidationError> errors;
    validate_config(ParsedConfig{document.dump(), document}, errors);
    return errors;
}

bool has_error_at(const std::vector<protocol::ValidationError>& errors, const std::string& path) {
    for (const auto& e : errors)
        if (e.path == path) return true;
    return false;
}

json valid_config() {
    return json::parse(R"({
      "listeners": [{"name": "http", "address": "127.0.0.1:8080"}],
      "routes": [{"path_prefix": "/", "pool": "app"}],
      "pools": [{"name": "app", "follow_workers": "web"}],
      "workers": [{"name": "web", "command": ["/usr/bin/waitress-serve", "--port={port}", "demo_app:app"],
                   "count": 2, "base_port": 8000, "cwd": "/tmp", "env": {"A": "b"},
                   "health": {"type": "http", "path": "/healthz"},
                   "restart": {"policy": "always", "backoff_initial_ms": 500, "backoff_max_ms": 30000,
                               "stable_after_ms": 10000, "max_fast_failures": 5},
                   "stop_grace_ms": 10000}]
    })");
}

TEST(ConfigValidator, AcceptsTheContractExample) {
    std::vector<protocol::ValidationError> errors;
    auto doc = valid_config();
    auto validated = validate_config(ParsedConfig{doc.dump(), doc}, errors);
    ASSERT_TRUE(validated) << json(errors).dump();
    ASSERT_EQ(validated->workers.size(), 1u);
    const auto& web = validated->workers[0];
    EXPECT_EQ(web.ports, (std::vector<int>{8000, 8001}));
    EXPECT_EQ(web.health.type, HealthCheckSpec::Type::http);
    EXPECT_EQ(web.health.path, "/healthz");
    EXPECT_EQ(web.argv_for(1), (std::vector<std::string>{"/usr/bin/waitress-serve", "--port=8001", "demo_app:app"}));
}

TEST(ConfigValidator, ReportsEveryErrorWithItsPath) {
    auto doc = valid_config();
    doc["workers"][0]["count"] = "four";
    doc["workers"][0]["colour"] = "blue";
    doc["workers"][0]["health"]["type"] = "udp";
    doc["workers"][0]["cwd"] = "relative";
    doc["workers"][0]["command"][1] = 5;
    doc["workers"][0]["restart"]["backoff_max_ms"] = 10;
    doc["pools"][0]["follow_workers"] = "nope";
    doc["listenerz"] = json::array();
    const auto errors = errors_of(doc);
    for (const char* path : {"workers[0].count", "workers[0].colour", "workers[0].health.type", "workers[0].cwd",
                             "workers[0].command[1]", "workers[0].restart.backoff_max_ms", "pools[0].follow_workers",
                             "listenerz"})
        EXPECT_TRUE(has_error_at(errors, path)) << path << " in " << json(errors).dump();
}

TEST(ConfigValidator, PortClashesAndDuplicateNamesAreErrors) {
    auto doc = valid_config();
    doc["workers"].push_back(doc["workers"][0]);
    auto errors = errors_of(doc);
    EXPECT_TRUE(has_error_at(errors, "workers[1].name"));
    EXPECT_TRUE(has_error_at(errors, "workers[1]")) << "ports 8000-8001 used twice";

    doc = valid_config();
    doc["listeners"][0]["address"] = "0.0.0.0:8001";
    EXPECT_TRUE(has_error_at(errors_of(doc), "listeners[0].address"));

    doc = valid_config();
    doc["workers"][0].erase("count");
    doc["workers"][0].erase("base_port");
    doc["workers"][0]["ports"] = {9000, 9000};
    EXPECT_TRUE(has_error_at(errors_of(doc), "workers[0].ports[1]"));
}

TEST(ConfigValidator, HostileShapesNeverThrow) {
    for (const char* text : {"[]", "null", "42", "\"x\"", R"({"workers": 5})", R"({"workers": [5, null, []]})",
                             R"({"workers": [{"name": {}, "command": {}, "ports": "x", "env": [], "health": 1}]})",
                             R"({"workers": [{"name": "a", "command": [""], "count": -1, "base_port": 70000}]})",
                             R"({"workers": [{"name": "a", "command": ["x"], "count": 256, "base_port": 65500}]})",
                             R"({"pools": [1, {"follow_workers": 3}], "listeners": [1, {"address": ":x"}]})"}) {
        std::vector<protocol::ValidationError> errors;
        auto parsed = parse_config_text(text, errors);
        ASSERT_TRUE(parsed) << text;
        EXPECT_FALSE(validate_config(std::move(*parsed), errors)) << text;
        EXPECT_FALSE(errors.empty()) << text;
    }
}

TEST(ConfigValidator, SyntaxErrorsCarryLineAndColumn) {
    std::vector<protocol::ValidationError> errors;
    EXPECT_FALSE(parse_config_text("{\n  \"workers\": [\n    oops\n  ]\n}\n", errors));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].line, 3);
    EXPECT_EQ(errors[0].column, 5);

    errors.clear();
    EXPECT_FALSE(parse_config_text(std::string(100, '[') + std::string(100, ']'), errors));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].message.find("nested"), std::string::npos);

    // Errors of both owners (proxy: listeners; agent: workers) point into the text.
    errors.clear();
    auto parsed = parse_config_text("{\n  \"listeners\": [{\"address\": 5}],\n  \"workers\": [{\"name\": \"w\", \"command\": [\"x\"],\n"
                                    "    \"count\": 1, \"base_port\": 9000, \"colour\": 1}]\n}\n",
                                    errors);
    ASSERT_TRUE(parsed);
    EXPECT_FALSE(validate_config(std::move(*parsed), errors));
    ASSERT_TRUE(has_error_at(errors, "workers[0].colour")) << json(errors).dump();
    for (const auto& e : errors) {
        if (e.path == "workers[0].colour") {
            EXPECT_EQ(e.line, 4) << e.message;
        }
        if (e.path.rfind("listeners[0]", 0) == 0) {
            EXPECT_EQ(e.line, 2) << e.message;
        }
    }
    EXPECT_TRUE(std::any_of(errors.begin(), errors.end(), [](const auto& e) { return e.path.rfind("listeners[0]", 0) == 0; }));

    errors.clear();
    EXPECT_FALSE(parse_config_source(protocol::ConfigSource{}, errors));
    EXPECT_EQ(errors.at(0).path, "config");
}

TEST(ProxySection, FollowWorkersBecomesServersWithTheStatesOfTheInstances) {
    auto doc = valid_config();
    std::vector<protocol::ValidationError> errors;
    auto validated = validate_config(ParsedConfig{doc.dump(), doc}, errors);
    ASSERT_TRUE(validated);
    const auto effective =
        effective_proxy_config(doc, {{"web", {{8000, "active"}, {8001, "disabled"}, {8002, "draining"}}},
                                     {"other", {{9000, "active"}}}});
    EXPECT_FALSE(effective.contains("workers"));
    const auto& pool = effective["pools"][0];
    EXPECT_FALSE(pool.contains("follow_workers"));
    ASSERT_EQ(pool["servers"].size(), 3u);
    EXPECT_EQ(pool["servers"][0], json({{"address", "127.0.0.1:8000"}, {"state", "active"}}));
    EXPECT_EQ(pool["servers"][1], json({{"address", "127.0.0.1:8001"}, {"state", "disabled"}}));
    EXPECT_EQ(pool["servers"][2], json({{"address", "127.0.0.1:8002"}, {"state", "draining"}}));
    EXPECT_TRUE(proxy_configured(doc));
    EXPECT_FALSE(proxy_configured(json::object()));
    // A group without instances (scaled to 0, or not started yet) leaves the pool empty.
    EXPECT_TRUE(effective_proxy_config(doc, {})["pools"][0]["servers"].empty());
}

TEST(ProxySection, OnlyHealthyInstancesTakeRequests) {
    using protocol::InstanceState;
    protocol::WorkerGroupStatus group;
    group.name = "web";
    int port = 8000;
    for (auto state : {InstanceState::running, InstanceState::starting, InstanceState::unhealthy, InstanceState::backoff,
                       InstanceState::failing, InstanceState::stopping, InstanceState::stopped}) {
        protocol::WorkerInstance instance;
        instance.port = port++;
        instance.state = state;
        group.instances.push_back(instance);
    }
    const auto followed = followed_servers({group});
    const std::vector<FollowedServer> expected = {{8000, "active"},   {8001, "disabled"}, {8002, "disabled"},
                                                  {8003, "disabled"}, {8004, "disabled"}, {8005, "draining"},
                                                  {8006, "disabled"}};
    EXPECT_EQ(followed.at("web"), expected);
}

}  // namespace
}  // namespace fulcrum::agent
