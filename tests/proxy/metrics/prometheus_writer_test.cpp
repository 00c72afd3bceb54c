#include "proxy/metrics/prometheus_writer.h"

#include <gtest/gtest.h>

#include <array>

namespace fulcrum::proxy::metrics {
namespace {

TEST(PrometheusWriter, CountersGaugesAndEscapedLabels) {
    PrometheusWriter out;
    out.family("fulcrum_requests_total", PrometheusWriter::Type::counter, "Requests served.");
    out.sample({{"listener", "web"}}, std::uint64_t{12});
    out.sample({{"listener", "we\"ird\\name\n"}}, std::uint64_t{1});
    out.family("fulcrum_active_connections", PrometheusWriter::Type::gauge, "Open connections.");
    out.sample({}, std::int64_t{-1});
    EXPECT_EQ(out.text(),
              "# HELP fulcrum_requests_total Requests served.\n"
              "# TYPE fulcrum_requests_total counter\n"
              "fulcrum_requests_total{listener=\"web\"} 12\n"
              "fulcrum_requests_total{listener=\"we\\\"ird\\\\name\\n\"} 1\n"
              "# HELP fulcrum_active_connections Open connections.\n"
              "# TYPE fulcrum_active_connections gauge\n"
              "fulcrum_active_connections -1\n");
}

TEST(PrometheusWriter, HistogramIsCumulativeWithInfSumAndCount) {
    PrometheusWriter out;
    out.family("fulcrum_request_duration_seconds", PrometheusWriter::Type::histogram, "Latency.");
    const std::array<double, 3> bounds{0.001, 0.01, 0.1};
    const std::array<std::uint64_t, 4> counts{1, 2, 3, 4};  // the last is above every bound
    out.histogram({{"pool", "app"}}, bounds, counts, 1.5);
    EXPECT_EQ(out.text(),
              "# HELP fulcrum_request_duration_seconds Latency.\n"
              "# TYPE fulcrum_request_duration_seconds histogram\n"
              "fulcrum_request_duration_seconds_bucket{pool=\"app\",le=\"0.001\"} 1\n"
              "fulcrum_request_duration_seconds_bucket{pool=\"app\",le=\"0.01\"} 3\n"
              "fulcrum_request_duration_seconds_bucket{pool=\"app\",le=\"0.10000000000000001\"} 6\n"
              "fulcrum_request_duration_seconds_bucket{pool=\"app\",le=\"+Inf\"} 10\n"
              "fulcrum_request_duration_seconds_sum{pool=\"app\"} 1.5\n"
              "fulcrum_request_duration_seconds_count{pool=\"app\"} 10\n");
}

TEST(PrometheusWriter, NamesFollowTheGrammar) {
    EXPECT_TRUE(PrometheusWriter::valid_metric_name("fulcrum_tls_certificate_expiry_timestamp_seconds"));
    EXPECT_TRUE(PrometheusWriter::valid_metric_name("a:b_c"));
    EXPECT_FALSE(PrometheusWriter::valid_metric_name("1abc"));
    EXPECT_FALSE(PrometheusWriter::valid_metric_name("a-b"));
    EXPECT_FALSE(PrometheusWriter::valid_label_name("__reserved"));
    EXPECT_FALSE(PrometheusWriter::valid_label_name("a:b"));
    PrometheusWriter out;
    out.family("bad-name", PrometheusWriter::Type::gauge, "x");
    out.sample({}, 1.0);
    EXPECT_EQ(out.text(), "# invalid metric name skipped\n");
}

}  // namespace
}  // namespace fulcrum::proxy::metrics
