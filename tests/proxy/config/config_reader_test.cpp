#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "proxy/config/config_check.h"
#include "proxy/config/config_reader.h"
#include "proxy/config/json_positions.h"

using namespace fulcrum::proxy::config;
using nlohmann::json;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::vector<std::string> doc_examples() {
    const std::string doc = read_file(FULCRUM_CONFIG_DOC);
    std::vector<std::string> out;
    const std::regex block("```json\\n([\\s\\S]*?)```");
    for (auto it = std::sregex_iterator(doc.begin(), doc.end(), block); it != std::sregex_iterator(); ++it) {
        out.push_back((*it)[1]);
    }
    return out;
}

const ConfigError* find_error(const ConfigResult& result, const std::string& path) {
    for (const auto& error : result.errors) {
        if (error.path == path) return &error;
    }
    return nullptr;
}

std::string describe(const ConfigResult& result) {
    std::string out;
    for (const auto& e : result.errors) out += format_error(e) + "\n";
    return out;
}

}  // namespace

TEST(ConfigDocs, ExamplesValidate) {
    const auto examples = doc_examples();
    ASSERT_FALSE(examples.empty());
    for (const auto& text : examples) {
        const auto result = read_config_text(text);
        EXPECT_TRUE(result.ok()) << describe(result);
    }
}

TEST(ConfigReader, ReadsTheDocumentedExample) {
    const auto result = read_config_text(doc_examples().front());
    ASSERT_TRUE(result.ok()) << describe(result);
    const auto& c = *result.config;
    EXPECT_FALSE(c.threads.has_value());
    ASSERT_EQ(c.listeners.size(), 2u);
    EXPECT_EQ(c.listeners[1].endpoint.port, 8443);
    ASSERT_TRUE(c.listeners[1].tls);
    EXPECT_EQ(c.listeners[1].hsts_max_age, 31536000u);
    ASSERT_EQ(c.routes.size(), 3u);
    ASSERT_TRUE(c.routes[0].static_files);
    EXPECT_EQ(c.routes[0].static_files->root, "/srv/site/static");
    EXPECT_EQ(c.routes[1].host, "api.example.com");
    ASSERT_EQ(c.pools.size(), 2u);
    const auto& app = c.pools[0];
    EXPECT_EQ(app.servers[0].weight, 2u);
    EXPECT_EQ(app.servers[1].weight, 1u);
    EXPECT_TRUE(app.servers[2].backup);
    ASSERT_TRUE(app.health);
    EXPECT_EQ(app.health->fall, 3u);
    EXPECT_EQ(c.pools[1].balance, Balance::hash);
    ASSERT_TRUE(c.pools[1].hash_key);
    EXPECT_EQ(c.pools[1].hash_key->kind, HashKey::Kind::cookie);
    EXPECT_EQ(c.pools[1].hash_key->name, "session");
    EXPECT_TRUE(c.workers.has_value());
    ASSERT_TRUE(c.metrics_endpoint);
    EXPECT_EQ(c.metrics_endpoint->port, 9113);
    ASSERT_TRUE(c.access_log);
    EXPECT_EQ(c.access_log->path, "/var/log/fulcrum/access.log");
    EXPECT_EQ(c.access_log->format, AccessLogFormat::json);
    EXPECT_EQ(c.user, "fulcrum");
}

TEST(ConfigReader, UserIsAnAccountNameButNeverRoot) {
    EXPECT_FALSE(read_config_text("{}").config->user.has_value());
    const auto ok = read_config_text(R"({"user": "www-data"})");
    ASSERT_TRUE(ok.ok()) << describe(ok);
    EXPECT_EQ(to_json(*ok.config)["user"], "www-data");
    for (const char* text : {R"({"user": "root"})", R"({"user": ""})", R"({"user": "-rf"})", R"({"user": "a b"})",
                             R"({"user": "a/b"})", R"({"user": 0})", R"({"user": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})"}) {
        const auto bad = read_config_text(text);
        EXPECT_FALSE(bad.ok()) << text;
        EXPECT_TRUE(find_error(bad, "user")) << text << "\n" << describe(bad);
    }
}

TEST(ConfigReader, AccessLogIsCheckedAndDefaultsToCombined) {
    const auto plain = read_config_text(R"({"access_log": {"path": "/var/log/a.log"}})");
    ASSERT_TRUE(plain.ok()) << describe(plain);
    EXPECT_EQ(plain.config->access_log->format, AccessLogFormat::combined);
    EXPECT_EQ(to_json(*plain.config)["access_log"], json({{"path", "/var/log/a.log"}, {"format", "combined"}}));
    EXPECT_FALSE(read_config_text("{}").config->access_log.has_value());

    const auto bad = read_config_text(
        R"({"access_log": {"path": "logs/a.log", "format": "apache", "buffer": 4096}})");
    ASSERT_FALSE(bad.ok());
    EXPECT_TRUE(find_error(bad, "access_log.path")) << describe(bad);
    EXPECT_TRUE(find_error(bad, "access_log.format")) << describe(bad);
    EXPECT_TRUE(find_error(bad, "access_log.buffer")) << describe(bad);
    for (const char* text : {R"({"access_log": {}})", R"({"access_log": {"path": ""}})", R"({"access_log": {"path": "/var/log/"}})",
                             R"({"access_log": "/var/log/a.log"})", R"({"access_log": {"path": "/a\nb"}})"}) {
        EXPECT_FALSE(read_config_text(text).ok()) << text;
    }
}

TEST(ConfigReader, RoundTripsExactly) {
    const auto first = read_config_text(doc_examples().front());
    ASSERT_TRUE(first.ok());
    const json written = to_json(*first.config);
    const auto second = read_config(written);
    ASSERT_TRUE(second.ok()) << describe(second);
    EXPECT_EQ(*second.config, *first.config);
    EXPECT_EQ(to_json(*second.config), written);
    // The canonical text reads back with positions too.
    const auto third = read_config_text(written.dump(2));
    ASSERT_TRUE(third.ok());
    EXPECT_EQ(*third.config, *first.config);
    // Workers are carried verbatim.
    EXPECT_EQ(written["workers"], json::parse(doc_examples().front())["workers"]);
}

TEST(ConfigReader, EmptyDocumentIsValidAndDefaultsAreNginxLike) {
    const auto result = read_config_text("{}");
    ASSERT_TRUE(result.ok());
    const auto pool = read_config_text(R"({"pools":[{"name":"p"}]})");
    ASSERT_TRUE(pool.ok());
    const auto& p = pool.config->pools[0];
    EXPECT_EQ(p.balance, Balance::round_robin);
    EXPECT_EQ(p.max_fails, 3u);
    EXPECT_EQ(p.fail_timeout_ms, 10000u);
    EXPECT_EQ(p.keepalive.max_idle, 32u);
    EXPECT_FALSE(p.health);
}

TEST(ConfigReader, SyntaxErrorHasLineAndColumn) {
    const auto result = read_config_text("{\n  \"threads\": 2,\n  \"pools\": [,]\n}");
    ASSERT_FALSE(result.ok());
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].line, 3);
    EXPECT_EQ(result.errors[0].column, 13);
    EXPECT_NE(result.errors[0].message.find("syntax"), std::string::npos);
}

TEST(ConfigReader, EveryErrorHasItsPathAndPosition) {
    const std::string text = R"({
  "threads": 0,
  "listeners": [{"name": "a", "address": "1.2.3.4"},
                {"name": "a", "address": "0.0.0.0:80", "redirect_to_https": true}],
  "pools": [{"name": "p", "balance": "hash",
             "servers": [{"address": "127.0.0.1:99999", "wieght": 1},
                         {"address": "127.0.0.1:8000"}, {"address": "127.0.0.1:8000"}]}],
  "routes": [{"path_prefix": "x", "pool": "q"}, {"path_prefix": "/"}],
  "metrics_listener": "10.0.0.1:9113",
  "bogus": 1
})";
    const auto result = read_config_text(text);
    ASSERT_FALSE(result.ok());
    const auto expect = [&](const std::string& path, int line, const std::string& words) {
        const auto* error = find_error(result, path);
        ASSERT_NE(error, nullptr) << "no error at " << path << "\n" << describe(result);
        EXPECT_EQ(error->line, line) << path;
        EXPECT_GT(error->column, 0) << path;
        EXPECT_NE(error->message.find(words), std::string::npos) << error->message;
    };
    expect("threads", 2, "from 1 to 64");
    expect("listeners[0].address", 3, "no port");
    expect("listeners[1].redirect_to_https", 4, "no TLS listener");
    expect("pools[0].hash_key", 5, "required");
    expect("pools[0].servers[0].address", 6, "65535");
    expect("pools[0].servers[0].wieght", 6, "unknown key");
    expect("pools[0].servers[2].address", 7, "already");
    expect("routes[0].path_prefix", 8, "must start with '/'");
    expect("routes[1]", 8, "needs \"pool\" or \"static\"");
    expect("metrics_listener", 9, "loopback");
    expect("bogus", 10, "unknown key");
    // Columns point at the key.
    EXPECT_EQ(find_error(result, "bogus")->column, 3);
}

TEST(ConfigReader, CrossReferencesAreChecked) {
    const auto result = read_config_text(R"({"listeners": [{"name": "h", "address": "127.0.0.1:0"}],
        "pools": [{"name": "p"}],
        "routes": [{"path_prefix": "/", "pool": "nope", "listeners": ["h", "x"]}]})");
    ASSERT_FALSE(result.ok());
    EXPECT_NE(find_error(result, "routes[0].pool"), nullptr) << describe(result);
    EXPECT_NE(find_error(result, "routes[0].listeners[1]"), nullptr) << describe(result);
    EXPECT_EQ(find_error(result, "routes[0].listeners[0]"), nullptr);
}

TEST(ConfigReader, DuplicateKeysAreErrors) {
    const auto result = read_config_text(R"({"pools": [{"name": "a", "name": "b"}]})");
    ASSERT_FALSE(result.ok());
    const auto* error = find_error(result, "pools[0].name");
    ASSERT_NE(error, nullptr);
    EXPECT_NE(error->message.find("duplicate"), std::string::npos);
}

TEST(ConfigReader, WorkersSectionIsSkipped) {
    const auto result = read_config_text(R"({"workers": [{"anything": {"goes": [1, 2]}}]})");
    EXPECT_TRUE(result.ok()) << describe(result);
}

TEST(ConfigReader, TypesAndRangesAreChecked) {
    const auto result = read_config(json::parse(R"({"pools": [{"name": "p", "max_fails": -1,
        "fail_timeout_ms": 1.5, "connect_timeout_ms": "3s", "keepalive": {"max_idle": true},
        "health": {"rise": 0, "expect_status_min": 500, "expect_status_max": 200, "path": "x y"},
        "servers": [{"address": "[::1]:80", "weight": 0, "state": "sleeping", "backup": "no"}]}]})"));
    ASSERT_FALSE(result.ok());
    for (const char* path : {"pools[0].max_fails", "pools[0].fail_timeout_ms", "pools[0].connect_timeout_ms",
                             "pools[0].keepalive.max_idle", "pools[0].health.rise", "pools[0].health.expect_status_max",
                             "pools[0].health.path", "pools[0].servers[0].weight", "pools[0].servers[0].state",
                             "pools[0].servers[0].backup"}) {
        EXPECT_NE(find_error(result, path), nullptr) << path << "\n" << describe(result);
    }
    // JSON values have no text positions.
    EXPECT_EQ(result.errors[0].line, 0);
    EXPECT_EQ(validate_proxy_config(json::parse(R"({"pools": [{"name": "p", "max_fails": -1}]})")).size(), 1u);
}

TEST(ConfigReader, HostileInputIsBounded) {
    std::string deep(10000, '[');
    const auto result = read_config_text(deep);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.errors[0].message.find("nested"), std::string::npos);
    ConfigLimits small;
    small.max_text_bytes = 10;
    EXPECT_FALSE(read_config_text(R"({"threads": "auto"})", small).ok());
    EXPECT_FALSE(read_config_text(std::string("{\"a\":\"\0\"}", 9)).ok());
}

TEST(SocketAddress, ParsesAndRefuses) {
    std::string error;
    auto a = parse_socket_address("[::1]:443", error);
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->v6);
    EXPECT_TRUE(a->is_loopback());
    EXPECT_EQ(a->to_string(), "[::1]:443");
    a = parse_socket_address("localhost:80", error);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->ip, "127.0.0.1");
    for (const char* bad : {"", ":80", "1.2.3.4:", "1.2.3.4:x", "::1:80", "example.com:80", "1.2.3.4:65536",
                            "[::1]80", "1.2.3.4:+80"}) {
        EXPECT_FALSE(parse_socket_address(bad, error)) << bad;
    }
}

TEST(CheckCommand, PrintsNginxStyleAndExitCode) {
    const auto dir = std::filesystem::temp_directory_path() / ("fulcrum-check-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto good = (dir / "good.json").string();
    const auto bad = (dir / "bad.json").string();
    std::ofstream(good) << R"({"listeners": [{"name": "h", "address": "127.0.0.1:0"}],
  "routes": [{"path_prefix": "/", "static": {"root": ")" << dir.string() << R"("}}]})";
    std::ofstream(bad) << "{\n  \"listeners\": [{\"name\": \"h\", \"address\": \"127.0.0.1:0\",\n"
                          "    \"tls\": {\"certificates\": [{\"cert\": \"/nonexistent.pem\", \"key\": \"/nonexistent.key\"}]}}]\n}";
    const auto run = [](const std::string& args, std::string& output) {
        const std::string command = std::string(FULCRUM_AGENT_BINARY) + " check " + args + " 2>&1";
        FILE* pipe = ::popen(command.c_str(), "r");
        char buffer[4096];
        output.clear();
        while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
        const int status = ::pclose(pipe);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    };
    std::string output;
    EXPECT_EQ(run(good, output), 0) << output;
    EXPECT_NE(output.find("test is successful"), std::string::npos) << output;
    EXPECT_EQ(run(bad, output), 1) << output;
    EXPECT_NE(output.find(bad + ":3:"), std::string::npos) << output;
    EXPECT_NE(output.find("listeners[0].tls.certificates"), std::string::npos) << output;
    EXPECT_NE(output.find("test failed"), std::string::npos) << output;
    EXPECT_EQ(run((dir / "missing.json").string(), output), 1);
    std::filesystem::remove_all(dir);
}
