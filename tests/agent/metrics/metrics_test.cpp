#include "agent/metrics/host_sampler.h"
#include "agent/metrics/metrics_ring.h"
#include "agent/metrics/traffic_sampler.h"

#include <gtest/gtest.h>

namespace fulcrum::agent {
namespace {

using nlohmann::json;

TEST(HostSampler, ParsesProcFiles) {
    const auto cpu = HostSampler::parse_cpu("cpu  100 5 50 800 20 3 2 0 0 0\ncpu0 1 2 3\n");
    EXPECT_EQ(cpu.total, 980u);
    EXPECT_EQ(cpu.busy, 160u);
    EXPECT_EQ(HostSampler::parse_cpu("garbage").total, 0u);
    protocol::HostSample sample;
    HostSampler::parse_meminfo("MemTotal:       16000 kB\nMemFree: 1 kB\nMemAvailable:    8000 kB\n", sample);
    EXPECT_EQ(sample.mem_total_bytes, 16000u * 1024);
    EXPECT_EQ(sample.mem_available_bytes, 8000u * 1024);
    const auto [rx, tx] = HostSampler::parse_net_dev(
        "Inter-|   Receive\n face |bytes packets\n"
        "    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n"
        "  eth0: 100 1 0 0 0 0 0 0 200 1 0 0 0 0 0 0\n"
        "  eth1: 10 1 0 0 0 0 0 0 20 1 0 0 0 0 0 0\n");
    EXPECT_EQ(rx, 110u);
    EXPECT_EQ(tx, 220u);
    HostSampler live;
    live.sample(1000);
    const auto second = live.sample(2000);
    EXPECT_GT(second.mem_total_bytes, 0u);
    EXPECT_GE(second.cpu_percent, 0.0);
    EXPECT_LE(second.cpu_percent, 100.0);
}

json stats(double requests, double ok, double bytes_out) {
    return {{"pools",
             {{{"name", "app"},
               {"requests", requests},
               {"status", {{"2xx", ok}, {"5xx", requests - ok}}},
               {"bytes_out", bytes_out},
               {"latency_ms", {{"p50", 2.5}, {"p99", 40}}},
               {"servers", {{{"address", "127.0.0.1:8000"}, {"state", "active"}, {"requests", requests}, {"in_flight", 2}},
                            {{"address", "127.0.0.1:8001"}, {"state", "draining"}, {"healthy", false}}}}}}}};
}

TEST(TrafficSampler, RatesFromCumulativeCounters) {
    TrafficSampler sampler;
    auto first = sampler.sample(stats(100, 90, 1000), 1000);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].traffic.requests_per_s, 0) << "no rate from one reading";
    auto second = sampler.sample(stats(300, 280, 5000), 3000);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_DOUBLE_EQ(second[0].traffic.requests_per_s, 100);
    EXPECT_DOUBLE_EQ(second[0].traffic.status_2xx_per_s, 95);
    EXPECT_DOUBLE_EQ(second[0].traffic.status_5xx_per_s, 5);
    EXPECT_DOUBLE_EQ(second[0].traffic.bytes_out_per_s, 2000);
    EXPECT_DOUBLE_EQ(second[0].traffic.p99_ms, 40);
    ASSERT_EQ(second[0].servers.size(), 2u);
    EXPECT_DOUBLE_EQ(second[0].servers[0].traffic.requests_per_s, 100);
    EXPECT_EQ(second[0].servers[0].traffic.active_connections, 2);
    EXPECT_EQ(second[0].servers[1].state, "draining");
    // A restarted proxy (counters went down) gives no negative rates.
    auto third = sampler.sample(stats(10, 10, 10), 4000);
    EXPECT_EQ(third[0].traffic.requests_per_s, 0);
    // Hostile shapes read as nothing.
    for (const char* text : {"null", "[]", R"({"pools": 5})", R"({"pools": [5, {"servers": "x"}, {"name": 3}]})"})
        EXPECT_NO_THROW(sampler.sample(json::parse(text), 5000)) << text;
}

TEST(MetricsRing, KeepsOneHourAndAnswersSince) {
    MetricsRing ring;
    for (int i = 1; i <= 4000; ++i) {
        protocol::MetricsSample sample;
        sample.time_ms = i * 1000;
        ring.push(sample);
    }
    EXPECT_EQ(ring.size(), MetricsRing::kCapacity);
    auto all = ring.history(std::nullopt, 100000);
    ASSERT_EQ(all.size(), 3600u);
    EXPECT_EQ(all.front().time_ms, 401000);
    auto since = ring.history(3995000, 3600);
    ASSERT_EQ(since.size(), 5u);
    EXPECT_EQ(since.front().time_ms, 3996000);
    auto newest = ring.history(std::nullopt, 2);
    ASSERT_EQ(newest.size(), 2u);
    EXPECT_EQ(newest.back().time_ms, 4000000);
    EXPECT_TRUE(ring.history(std::nullopt, 0).empty());
}

}  // namespace
}  // namespace fulcrum::agent
