// config.* against the real daemon: versions, conflicts, rejected configs, rollback, and the
// crash-consistency loop (SIGKILL during applies, 100 times in a row).
#include "agent/config/config_store.h"
#include "tests/agent/support/test_agent.h"
#include "tests/support/sanitized.h"

#include <gtest/gtest.h>

#include <signal.h>

#include <random>
#include <set>

namespace fulcrum::agent::test_support {
namespace {

using namespace std::chrono_literals;
namespace method = protocol::method;
namespace fs = std::filesystem;
using nlohmann::json;

protocol::ConfigApplyParams apply_text(std::string text, std::optional<std::int64_t> expected = std::nullopt) {
    protocol::ConfigApplyParams params;
    params.config.text = std::move(text);
    params.expected_version = expected;
    params.comment = "test";
    return params;
}

class ConfigServiceTest : public ::testing::Test {
protected:
    TempDir temp;
    fs::path state = temp.path() / "state";
};

TEST_F(ConfigServiceTest, ApplyGetHistoryRollbackAndConflicts) {
    TestDaemon daemon(state);
    ASSERT_TRUE(daemon.start());
    auto agent = daemon.connect();

    auto empty = agent.call<method::ConfigGet>({});
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty.value().version, 0);

    auto first = agent.call<method::ConfigApply>(apply_text("{\"threads\": 2}\n", 0));
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ(first.value().version, 1);
    EXPECT_TRUE(first.value().changed);
    ASSERT_TRUE(agent.wait_notification("config.changed", 5s));

    auto stale = agent.call<method::ConfigApply>(apply_text("{\"threads\": 3}", 0));
    ASSERT_FALSE(stale.ok());
    EXPECT_TRUE(stale.error().is(protocol::ErrorCode::Conflict)) << stale.error().message;

    auto second = agent.call<method::ConfigApply>(apply_text("{\"threads\": 3}", 1));
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second.value().version, 2);

    auto same = agent.call<method::ConfigApply>(apply_text("{\"threads\": 3}"));
    ASSERT_TRUE(same.ok());
    EXPECT_FALSE(same.value().changed);
    EXPECT_EQ(same.value().version, 2);

    // A rejected config returns every error with its path, and nothing changes.
    auto bad = agent.call<method::ConfigApply>(
        apply_text(R"({"workers": [{"name": "web", "command": [], "count": "x", "base_port": 8000}], "bogus": 1})"));
    ASSERT_FALSE(bad.ok());
    EXPECT_TRUE(bad.error().is(protocol::ErrorCode::ConfigInvalid));
    std::set<std::string> paths;
    for (const auto& e : bad.error().data["errors"]) paths.insert(e["path"].get<std::string>());
    EXPECT_TRUE(paths.contains("workers[0].command"));
    EXPECT_TRUE(paths.contains("workers[0].count"));
    EXPECT_TRUE(paths.contains("bogus"));
    EXPECT_EQ(agent.call<method::ConfigGet>({}).value().version, 2);

    auto syntax = agent.call<method::ConfigValidate>({protocol::ConfigSource{"{\n\"threads\": }", std::nullopt}});
    ASSERT_TRUE(syntax.ok());
    EXPECT_FALSE(syntax.value().valid);
    EXPECT_EQ(syntax.value().errors.at(0).line, 2);

    auto rollback = agent.call<method::ConfigRollback>({1, 2});
    ASSERT_TRUE(rollback.ok()) << rollback.error().message;
    EXPECT_EQ(rollback.value().version, 3);
    auto now = agent.call<method::ConfigGet>({});
    EXPECT_EQ(now.value().text, "{\"threads\": 2}\n");
    EXPECT_EQ(read_small_file(state / "config" / "current.json"), "{\"threads\": 2}\n");

    auto history = agent.call<method::ConfigHistory>({10});
    ASSERT_TRUE(history.ok());
    EXPECT_EQ(history.value().current_version, 3);
    ASSERT_EQ(history.value().entries.size(), 3u);
    EXPECT_EQ(history.value().entries[0].comment, "rollback to version 1");
    EXPECT_EQ(history.value().entries[0].sha256, sha256_hex("{\"threads\": 2}\n"));

    EXPECT_TRUE(agent.call<method::ConfigGet>({99}).error().is(protocol::ErrorCode::NotFound));
    EXPECT_TRUE(agent.call<method::ConfigRollback>({99, {}}).error().is(protocol::ErrorCode::NotFound));

    // Hostile params: wrong types, both sources, huge numbers. The daemon answers each and lives.
    for (const char* params : {R"({"config": 5})", R"({"config": {"text": "{}", "document": {}}})",
                               R"({"config": {"document": [1, 2]}})", R"({"config": {"text": 7}})",
                               R"({"expected_version": "x", "config": {"text": "{}"}})", R"([1])"}) {
        auto answer = agent.call_raw("config.apply", json::parse(params), 5s);
        ASSERT_TRUE(answer) << params;
        EXPECT_TRUE(answer->error) << params;
    }
    EXPECT_TRUE(agent.call_raw("config.history", json{{"limit", -5}}, 5s)->error);
    EXPECT_TRUE(agent.call_raw("config.get", json{{"version", "x"}}, 5s)->error);
    EXPECT_EQ(agent.call<method::ConfigGet>({}).value().version, 3);
}

TEST_F(ConfigServiceTest, RestoredAfterRestart) {
    {
        TestDaemon daemon(state);
        ASSERT_TRUE(daemon.start());
        auto agent = daemon.connect();
        ASSERT_TRUE(agent.call<method::ConfigApply>(apply_text("{\"threads\": 4}")).ok());
    }
    TestDaemon daemon(state);
    ASSERT_TRUE(daemon.start());
    auto agent = daemon.connect();
    auto current = agent.call<method::ConfigGet>({});
    ASSERT_TRUE(current.ok());
    EXPECT_EQ(current.value().version, 1);
    EXPECT_EQ(current.value().document["threads"], 4);
}

// Every file the store keeps must be whole: current.json is one of the texts sent, and it is
// the newest intact history version or the one before it (crash between the two renames).
void expect_store_consistent(const fs::path& config_dir, const std::set<std::string>& sent) {
    std::int64_t newest = 0;
    std::map<std::int64_t, std::string> texts;
    for (const auto& entry : fs::directory_iterator(config_dir / "history")) {
        const auto name = entry.path().filename().string();
        if (name.front() == '.') continue;  // a temp file of an interrupted write: not part of the store
        auto raw = read_small_file(entry.path(), 1 << 24);
        ASSERT_TRUE(raw) << name;
        auto envelope = json::parse(*raw, nullptr, false);
        ASSERT_FALSE(envelope.is_discarded()) << name << " is torn";
        const auto text = envelope.at("text").get<std::string>();
        ASSERT_EQ(sha256_hex(text), envelope.at("sha256").get<std::string>()) << name;
        ASSERT_TRUE(sent.contains(text)) << name;
        texts[envelope.at("version").get<std::int64_t>()] = text;
        newest = std::max(newest, envelope.at("version").get<std::int64_t>());
    }
    if (newest == 0) return;
    auto current = read_small_file(config_dir / "current.json", 1 << 24);
    if (!current) {
        // Killed between the first version's history write and its current.json: version 0 had none.
        ASSERT_EQ(newest, 1) << "current.json is missing";
        return;
    }
    ASSERT_FALSE(json::parse(*current, nullptr, false).is_discarded()) << "current.json is torn";
    ASSERT_TRUE(*current == texts[newest] || (texts.contains(newest - 1) && *current == texts[newest - 1]))
        << "current.json is neither version " << newest << " nor " << newest - 1;
}

TEST_F(ConfigServiceTest, SigkillDuringAppliesNeverCorruptsTheStore) {
    std::mt19937 random(12345);
    std::set<std::string> sent;
    int serial = 0;
    std::int64_t last_version = 0;
    std::int64_t answered = 0;
    [[maybe_unused]] const auto started = std::chrono::steady_clock::now();
    for (int round = 0; round < 100; ++round) {
        TestDaemon daemon(state);
        ASSERT_TRUE(daemon.start()) << "round " << round;
        auto agent = daemon.connect();
        // The restart restored the newest version, which is never older than the last one answered.
        auto restored = agent.call<method::ConfigGet>({}, 10s);
        ASSERT_TRUE(restored.ok()) << "round " << round;
        ASSERT_GE(restored.value().version, last_version) << "round " << round;
        last_version = restored.value().version;
        ASSERT_EQ(read_small_file(state / "config" / "current.json").value_or(""), restored.value().version
                                                                                       ? restored.value().text
                                                                                       : std::string(""));
        // Fire several applies without waiting (texts of ~16 KiB so writes take a moment), then kill.
        for (int i = 0; i < 4; ++i) {
            std::string text = "{\"threads\": " + std::to_string(1 + serial % 64) +
                               std::string(16384 + static_cast<std::size_t>(serial), ' ') + "}";
            ++serial;
            sent.insert(text);
            protocol::Request request{serial, "config.apply", json(apply_text(text))};
            ASSERT_TRUE(agent.send_line(protocol::encode(request)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(random() % 40));
        daemon.process().signal(SIGKILL);
        ASSERT_TRUE(daemon.process().wait(10s));
        // Answers read before the kill say which versions were promised to the client.
        while (auto line = agent.read_line(2s)) {  // ends at EOF: the daemon is dead
            auto message = protocol::decode_message(*line);
            if (auto* response = std::get_if<protocol::Response>(&message); response && response->result) {
                last_version = std::max(last_version, (*response->result)["version"].get<std::int64_t>());
                ++answered;
            }
        }
        expect_store_consistent(state / "config", sent);
        if (HasFatalFailure()) return;
    }
#ifndef FULCRUM_SANITIZED  // the per-test budget of a normal build; ASan is several times slower
    EXPECT_LT(std::chrono::steady_clock::now() - started, 55s);
#endif
    // Both kinds of kill happened: after some applies were answered, and in the middle of others.
    EXPECT_GT(answered, 0);
    EXPECT_LT(answered, serial);
    EXPECT_GT(last_version, 0);
}

}  // namespace
}  // namespace fulcrum::agent::test_support
