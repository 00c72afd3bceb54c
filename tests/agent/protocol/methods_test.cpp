#include "agent/protocol/rpc.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace fulcrum::protocol {
namespace {

using nlohmann::json;

template <class T>
T through_wire(const T& value) {
    // Through text, as on the wire, not only through a json value.
    return json::parse(json(value).dump()).get<T>();
}

TEST(Methods, EveryMethodsDefaultParamsAndResultRoundTrip) {
    std::set<std::string_view> names;
    std::apply(
        [&](auto... m) {
            (
                [&] {
                    using M = decltype(m);
                    EXPECT_TRUE(names.insert(M::name).second) << "duplicate method " << M::name;
                    EXPECT_EQ(through_wire(typename M::Params{}), typename M::Params{}) << M::name;
                    EXPECT_EQ(through_wire(typename M::Result{}), typename M::Result{}) << M::name;
                    const auto params = decode_params<M>(nullptr);
                    EXPECT_TRUE(params.ok()) << M::name << ": absent params must mean defaults";
                }(),
                ...);
        },
        method::All{});
    EXPECT_EQ(names.size(), std::tuple_size_v<method::All>);
    for (const auto* expected : {"agent.hello", "host.facts", "config.get", "config.validate", "config.apply",
                                 "config.history", "config.rollback", "workers.list", "workers.start", "workers.stop",
                                 "workers.restart", "workers.scale", "logs.tail", "logs.follow", "metrics.history",
                                 "metrics.subscribe", "boot.status", "boot.install", "agent.upgrade",
                                 "tls.certificates"}) {
        EXPECT_TRUE(names.count(expected)) << expected;
    }
}

TEST(Methods, NotificationNamesAreStable) {
    EXPECT_EQ(notification::WorkersChangedN::name, "workers.changed");
    EXPECT_EQ(notification::ConfigChangedN::name, "config.changed");
    EXPECT_EQ(notification::MetricsSampleN::name, "metrics.sample");
    EXPECT_EQ(notification::LogsLineN::name, "logs.line");
}

WorkersListResult realistic_workers() {
    WorkerInstance running{0, 8001, 4242, InstanceState::running, 3600.5, 1, 12.5, 48u << 20, std::nullopt, std::nullopt};
    WorkerInstance crashed{1, 8002, 0, InstanceState::backoff, 0, 3, 0, 0,
                           ExitInfo{"killed by SIGSEGV", std::nullopt, 11, 1700000000000, 0.4}, 1700000002000};
    WorkerGroupStatus group{"web", GroupState::degraded, "/usr/bin/python3 app.py {port}", 2, {running, crashed}, ""};
    return WorkersListResult{{group}, 4};
}

TEST(Methods, WorkersListCarriesPerInstanceDetailsExactly) {
    const WorkersListResult original = realistic_workers();
    EXPECT_EQ(through_wire(original), original);
    const json wire = original;
    const json& crashed = wire["groups"][0]["instances"][1];
    EXPECT_EQ(crashed["state"], "backoff");
    EXPECT_EQ(crashed["last_exit"]["signal"], 11);
    EXPECT_FALSE(crashed["last_exit"].contains("exit_code")) << "absent optionals are omitted, not null";
    EXPECT_FALSE(wire["groups"][0]["instances"][0].contains("last_exit"));
}

TEST(Methods, MetricsSampleRoundTrips) {
    MetricsSample sample;
    sample.time_ms = 1700000000123;
    sample.host = HostSample{37.5, 16ull << 30, 9ull << 30, 0.5, 0.4, 0.3, 1200.0, 3400.0};
    TrafficSample traffic{950, 900, 10, 30, 10, 1, 2.5, 40.25, 12, 1e6, 5e6};
    sample.pools.push_back(PoolSample{"app", traffic, {ServerSample{"127.0.0.1:8001", "up", traffic}}});
    sample.workers.push_back(WorkerGroupSample{"web", 4, 3, "degraded", 45.0, 200u << 20});
    sample.proxy_running = true;
    EXPECT_EQ(through_wire(sample), sample);
    EXPECT_EQ(through_wire(MetricsSampleNotification{7, sample}).sample, sample);
}

TEST(Methods, ConfigTypesRoundTrip) {
    ConfigApplyParams apply{ConfigSource{"{\n  \"pools\": []\n}\n", std::nullopt}, 3, "add pool"};
    EXPECT_EQ(through_wire(apply), apply);
    ConfigApplyParams as_document{ConfigSource{std::nullopt, json{{"pools", json::array()}}}, std::nullopt, ""};
    EXPECT_EQ(through_wire(as_document), as_document);
    ConfigValidateResult invalid{false, {ValidationError{"pools[0].servers[1].address", 7, 21, "port out of range"},
                                         ValidationError{"listeners", 2, 3, "no listener"}}};
    EXPECT_EQ(through_wire(invalid), invalid);
    ConfigHistoryResult history{5, {ConfigHistoryEntry{5, 1700000000000, "x", 120, std::string(64, 'a')}}};
    EXPECT_EQ(through_wire(history), history);
}

TEST(Methods, BootAndUpgradeTypesRoundTrip) {
    BootStatus status{BootMechanism::cron, BootMechanism::systemd_user, true, "The agent starts at boot from cron.",
                      {}, "", "@reboot /home/u/.local/lib/fulcrum/fulcrum-agent daemon"};
    EXPECT_EQ(through_wire(status), status);
    EXPECT_EQ(json(BootMechanism::systemd_system), "systemd-system");
    EXPECT_EQ(through_wire(BootInstallParams{BootMechanism::systemd_user}).mechanism, BootMechanism::systemd_user);
    AgentUpgradeParams upgrade{"/home/u/.local/lib/fulcrum/fulcrum-agent.new", std::string(64, 'f')};
    EXPECT_EQ(through_wire(upgrade), upgrade);
}

TEST(Methods, UnknownEnumNamesDecodeAsUnknownInsteadOfFailing) {
    EXPECT_EQ(json("hibernating").get<InstanceState>(), InstanceState::unknown);
    EXPECT_EQ(json("sideways").get<GroupState>(), GroupState::unknown);
}

TEST(Methods, UnknownFieldsAreIgnoredForForwardCompatibility) {
    const json params{{"group", "web"}, {"count", 3}, {"added_in_1_1", true}};
    const auto decoded = decode_params<method::WorkersScale>(params);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded.value().count, 3);
}

TEST(Methods, WrongTypesBecomeInvalidParamsNamingTheField) {
    const auto bad = decode_params<method::WorkersScale>(json{{"group", "web"}, {"count", "four"}});
    ASSERT_FALSE(bad.ok());
    EXPECT_TRUE(bad.error().is(ErrorCode::InvalidParams));
    EXPECT_NE(bad.error().message.find("count"), std::string::npos) << bad.error().message;
    EXPECT_EQ(bad.error().data["field"], "count");

    const auto nested = decode_params<method::LogsTail>(json{{"source", {{"group", "web"}, {"index", "zero"}}}});
    ASSERT_FALSE(nested.ok());
    EXPECT_EQ(nested.error().data["field"], "source.index");

    EXPECT_FALSE(decode_params<method::WorkersList>(json::array({1})).ok());
    EXPECT_FALSE(decode_params<method::HostFactsGet>(json(5)).ok());
}

TEST(Methods, TypedRequestAndResultHelpersMatchTheWire) {
    const Request request = make_request<method::WorkersScale>(3, WorkersScaleParams{"web", 8});
    const Message decoded = decode_message(encode(request).substr(0, encode(request).size() - 1));
    ASSERT_TRUE(std::holds_alternative<Request>(decoded));
    const auto& got = std::get<Request>(decoded);
    EXPECT_EQ(got.method, "workers.scale");
    EXPECT_EQ(decode_params<method::WorkersScale>(got.params).value().count, 8);

    const Response answer = make_result<method::WorkersList>(got.id, realistic_workers());
    const auto result = decode_result<method::WorkersList>(answer);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value(), realistic_workers());

    const auto failed = decode_result<method::WorkersList>(
        Response::failure(3, Error::make(ErrorCode::NotFound, "no worker group \"api\"")));
    ASSERT_FALSE(failed.ok());
    EXPECT_TRUE(failed.error().is(ErrorCode::NotFound));

    const auto malformed = decode_result<method::WorkersList>(Response::success(3, json{{"groups", 5}}));
    ASSERT_FALSE(malformed.ok());
    EXPECT_TRUE(malformed.error().is(ErrorCode::InternalError));
}

TEST(Methods, HelloVersionCheck) {
    EXPECT_TRUE(incompatibility({1, 0}, {1, 3}).empty()) << "minor differences are compatible";
    const std::string older_agent = incompatibility({1, 2}, {2, 0});
    EXPECT_NE(older_agent.find("upgrade the agent"), std::string::npos) << older_agent;
    EXPECT_NE(older_agent.find("1.2"), std::string::npos);
    const std::string older_panel = incompatibility({2, 0}, {1, 0});
    EXPECT_NE(older_panel.find("upgrade the panel"), std::string::npos) << older_panel;
    HelloParams hello{"fulcrum", "0.1.0", {1, 0}, {capability::kWorkers, capability::kMetrics}};
    EXPECT_EQ(through_wire(hello), hello);
}

}  // namespace
}  // namespace fulcrum::protocol
