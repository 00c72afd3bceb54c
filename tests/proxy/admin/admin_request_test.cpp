#include "proxy/admin/admin_request.h"

#include <gtest/gtest.h>

namespace fulcrum::proxy::admin {
namespace {

TEST(AdminRequest, ParsesEveryCommand) {
    auto parsed = parse_admin_request(R"({"id": 1, "command": "stats"})");
    ASSERT_TRUE(parsed.request) << parsed.error;
    EXPECT_EQ(parsed.request->command, AdminCommand::stats);
    EXPECT_EQ(parsed.request->id, 1);

    parsed = parse_admin_request(
        R"({"id":"x","command":"set_server","pool":"app","address":"127.0.0.1:8001","state":"draining","weight":3})");
    ASSERT_TRUE(parsed.request) << parsed.error;
    EXPECT_EQ(parsed.request->pool, "app");
    EXPECT_EQ(parsed.request->address, "127.0.0.1:8001");
    EXPECT_EQ(parsed.request->state, "draining");
    EXPECT_EQ(parsed.request->weight, 3u);

    parsed = parse_admin_request(R"({"command":"add_server","pool":"app","server":{"address":"127.0.0.1:9"}})");
    ASSERT_TRUE(parsed.request) << parsed.error;
    EXPECT_EQ(parsed.request->payload["address"], "127.0.0.1:9");

    parsed = parse_admin_request(R"({"command":"remove_server","pool":"app","address":"127.0.0.1:9"})");
    ASSERT_TRUE(parsed.request) << parsed.error;
    parsed = parse_admin_request(R"({"command":"replace_pool","pool":{"name":"app","servers":[]}})");
    ASSERT_TRUE(parsed.request) << parsed.error;
    EXPECT_EQ(parsed.request->payload["name"], "app");
    parsed = parse_admin_request(R"({"command":"replace_config","config":{"listeners":[]}}
)");
    ASSERT_TRUE(parsed.request) << parsed.error;  // trailing whitespace is fine
    EXPECT_EQ(parsed.request->command, AdminCommand::replace_config);
}

TEST(AdminRequest, RefusesWithClearMessages) {
    auto expect_error = [](std::string_view line, std::string_view fragment) {
        const auto parsed = parse_admin_request(line);
        EXPECT_FALSE(parsed.request) << line;
        EXPECT_NE(parsed.error.find(fragment), std::string::npos) << line << " -> " << parsed.error;
    };
    expect_error("not json", "not valid JSON");
    expect_error("[1,2]", "must be a JSON object");
    expect_error(R"({"command": 5})", "\"command\" must be a string");
    expect_error(R"({"command": "reboot"})", "unknown command \"reboot\"");
    expect_error(R"({"id": {"a":1}, "command": "stats"})", "\"id\"");
    expect_error(R"({"command": "stats", "extra": 1})", "unexpected key \"extra\"");
    expect_error(R"({"command": "set_server", "pool": "a", "address": "b"})", "needs \"state\" or \"weight\"");
    expect_error(R"({"command": "set_server", "pool": "a", "address": "b", "state": "gone"})", "\"state\"");
    expect_error(R"({"command": "set_server", "pool": "a", "address": "b", "weight": 0})", "\"weight\"");
    expect_error(R"({"command": "set_server", "pool": "a", "address": "b", "weight": -1})", "\"weight\"");
    expect_error(R"({"command": "set_server", "pool": "a", "address": "b", "weight": 1.5})", "\"weight\"");
    expect_error(R"({"command": "set_server", "address": "b", "state": "active"})", "\"pool\"");
    expect_error(R"({"command": "remove_server", "pool": "", "address": "b"})", "\"pool\" must be 1 to 512");
    expect_error(R"({"command": "add_server", "pool": "a", "server": "x"})", "\"server\" must be an object");
    expect_error(R"({"command": "replace_pool", "pool": []})", "\"pool\" must be an object");
    expect_error(R"({"command": "replace_config"})", "\"config\" must be an object");
    expect_error(std::string(100, '[') + std::string(100, ']'), "nested deeper");
    AdminLimits small;
    small.max_line_bytes = 10;
    EXPECT_NE(parse_admin_request(R"({"command": "stats"})", small).error.find("longer than"), std::string::npos);
}

TEST(AdminRequest, IdSurvivesIntoErrors) {
    const auto parsed = parse_admin_request(R"({"id": 42, "command": "nope"})");
    EXPECT_EQ(parsed.id, 42);
    const auto line = error_line(parsed.id, parsed.error);
    const auto answer = nlohmann::json::parse(line);
    EXPECT_EQ(answer["id"], 42);
    EXPECT_EQ(answer["ok"], false);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    // Invalid UTF-8 from the client never breaks the answer line.
    EXPECT_NO_THROW(EXPECT_TRUE(nlohmann::json::parse(error_line(nullptr, "bad \xff key")).is_object()));
}

}  // namespace
}  // namespace fulcrum::proxy::admin
