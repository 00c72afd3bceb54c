#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace fulcrum::proxy::metrics {

using Label = std::pair<std::string_view, std::string_view>;

// Writes the Prometheus text exposition format (version 0.0.4): one HELP and TYPE line per
// metric family, then its samples. Label values are escaped (\\, \", \n), so whatever a pool
// or listener is called, the output stays parseable. Family names are checked against the
// metric-name grammar; a bad name is a programming error and is replaced by a comment.
class PrometheusWriter {
public:
    enum class Type { counter, gauge, histogram };

    // Starts a family. Counters should end in _total, as the conventions ask.
    void family(std::string_view name, Type type, std::string_view help);
    void sample(std::initializer_list<Label> labels, double value);
    void sample(std::initializer_list<Label> labels, std::uint64_t value);
    void sample(std::initializer_list<Label> labels, std::int64_t value);
    // A histogram for the current family from cumulative-izable bucket counts: `upper_bounds`
    // (ascending, in the family's unit) and per-bucket counts, plus _sum and _count.
    void histogram(std::initializer_list<Label> labels, std::span<const double> upper_bounds,
                   std::span<const std::uint64_t> bucket_counts, double sum);

    const std::string& text() const { return m_text; }
    std::string take() { return std::move(m_text); }

    static bool valid_metric_name(std::string_view name);
    static bool valid_label_name(std::string_view name);
    static void append_escaped(std::string& out, std::string_view value);

private:
    void series(std::string_view suffix, std::initializer_list<Label> labels, std::string_view extra_label_name = {},
                std::string_view extra_label_value = {});
    void value(const std::string& number);

    std::string m_text;
    std::string m_family;
    bool m_family_valid = false;
};

}  // namespace fulcrum::proxy::metrics
