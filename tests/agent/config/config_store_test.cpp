#include "agent/config/config_store.h"

#include "agent/util/files.h"

#include "tests/agent/support/test_agent.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace fulcrum::agent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ConfigStoreTest : public ::testing::Test {
protected:
    test_support::TempDir temp;
    fs::path dir = temp.path();
    std::string commit(ConfigStore& store, const std::string& text) {
        return store.commit(text, json::parse(text), "c", 1000);
    }
};

TEST_F(ConfigStoreTest, VersionsAreNumberedKeptAndRestored) {
    {
        ConfigStore store(dir, 3);
        EXPECT_TRUE(store.load().empty());
        EXPECT_EQ(store.current().version, 0);
        for (int i = 1; i <= 5; ++i) ASSERT_EQ(commit(store, "{\"n\": " + std::to_string(i) + "}"), "");
        EXPECT_EQ(store.current().version, 5);
        auto history = store.history(50);
        ASSERT_EQ(history.entries.size(), 3u);
        EXPECT_EQ(history.entries.front().version, 5);
        EXPECT_EQ(history.entries.back().version, 3);
        EXPECT_FALSE(fs::exists(store.history_path(2)));
        EXPECT_FALSE(store.get(2));
        ASSERT_TRUE(store.get(4));
        EXPECT_EQ(store.get(4)->text, "{\"n\": 4}");
        EXPECT_EQ(read_small_file(store.current_path()), "{\"n\": 5}");
    }
    ConfigStore again(dir, 3);
    again.load();
    EXPECT_EQ(again.current().version, 5);
    EXPECT_EQ(again.current().document["n"], 5);
    ASSERT_EQ(commit(again, "{\"n\": 6}"), "");
    EXPECT_EQ(again.current().version, 6);
}

TEST_F(ConfigStoreTest, RepairsCurrentAndSkipsDamagedVersions) {
    {
        ConfigStore store(dir);
        store.load();
        ASSERT_EQ(commit(store, "{\"n\": 1}"), "");
        ASSERT_EQ(commit(store, "{\"n\": 2}"), "");
        // A crash after the history write, before current.json: current.json is one behind.
        ASSERT_EQ(write_file_atomically(store.current_path(), "{\"n\": 1}"), "");
        // A torn (hand-damaged) newer version and an abandoned temp file.
        ASSERT_EQ(write_file_atomically(store.history_path(3), "{\"version\": 3, \"text\": \"{}\", \"sha256\": \"00\"}"), "");
        ASSERT_EQ(write_file_atomically(dir / ".current.json.tmp123", "{\"n"), "");
    }
    ConfigStore store(dir);
    const auto notes = store.load();
    EXPECT_EQ(notes.size(), 2u);
    EXPECT_EQ(store.current().version, 2);
    EXPECT_EQ(read_small_file(store.current_path()), "{\"n\": 2}");
    EXPECT_FALSE(fs::exists(dir / ".current.json.tmp123"));
}

TEST_F(ConfigStoreTest, AdoptsAHandWrittenCurrentJson) {
    fs::create_directories(dir);
    ASSERT_EQ(write_file_atomically(dir / "current.json", "{\"workers\": []}\n"), "");
    ConfigStore store(dir);
    store.load();
    EXPECT_EQ(store.current().version, 1);
    EXPECT_EQ(store.current().text, "{\"workers\": []}\n");
}

}  // namespace
}  // namespace fulcrum::agent
