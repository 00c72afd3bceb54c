#include "proxy/metrics/prometheus_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fulcrum::proxy::metrics {

namespace {

std::string format_double(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.17g", value);
    return buffer;
}

const char* type_name(PrometheusWriter::Type type) {
    switch (type) {
        case PrometheusWriter::Type::counter: return "counter";
        case PrometheusWriter::Type::gauge: return "gauge";
        case PrometheusWriter::Type::histogram: return "histogram";
    }
    return "untyped";
}

bool name_char(char c, bool first, bool allow_colon) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    return alpha || (!first && c >= '0' && c <= '9');
}

}  // namespace

bool PrometheusWriter::valid_metric_name(std::string_view name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!name_char(name[i], i == 0, true)) return false;
    }
    return true;
}

bool PrometheusWriter::valid_label_name(std::string_view name) {
    if (name.empty() || name.starts_with("__")) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!name_char(name[i], i == 0, false)) return false;
    }
    return true;
}

void PrometheusWriter::append_escaped(std::string& out, std::string_view value) {
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
}

void PrometheusWriter::family(std::string_view name, Type type, std::string_view help) {
    m_family_valid = valid_metric_name(name);
    m_family.assign(name);
    if (!m_family_valid) {
        m_text += "# invalid metric name skipped\n";
        return;
    }
    m_text += "# HELP ";
    m_text += name;
    m_text += ' ';
    for (const char c : help) {  // HELP escapes only backslash and newline
        if (c == '\\') {
            m_text += "\\\\";
        } else if (c == '\n') {
            m_text += "\\n";
        } else {
            m_text.push_back(c);
        }
    }
    m_text += "\n# TYPE ";
    m_text += name;
    m_text += ' ';
    m_text += type_name(type);
    m_text += '\n';
}

void PrometheusWriter::series(std::string_view suffix, std::initializer_list<Label> labels,
                              std::string_view extra_label_name, std::string_view extra_label_value) {
    m_text += m_family;
    m_text += suffix;
    bool any = false;
    auto add = [&](std::string_view key, std::string_view label_value) {
        if (!valid_label_name(key)) return;
        m_text += any ? ',' : '{';
        any = true;
        m_text += key;
        m_text += "=\"";
        append_escaped(m_text, label_value);
        m_text += '"';
    };
    for (const auto& [key, label_value] : labels) add(key, label_value);
    if (!extra_label_name.empty()) add(extra_label_name, extra_label_value);
    if (any) m_text += '}';
}

void PrometheusWriter::value(const std::string& number) {
    m_text += ' ';
    m_text += number;
    m_text += '\n';
}

void PrometheusWriter::sample(std::initializer_list<Label> labels, double number) {
    if (!m_family_valid) return;
    series({}, labels);
    value(format_double(number));
}

void PrometheusWriter::sample(std::initializer_list<Label> labels, std::uint64_t number) {
    if (!m_family_valid) return;
    series({}, labels);
    value(std::to_string(number));
}

void PrometheusWriter::sample(std::initializer_list<Label> labels, std::int64_t number) {
    if (!m_family_valid) return;
    series({}, labels);
    value(std::to_string(number));
}

void PrometheusWriter::histogram(std::initializer_list<Label> labels, std::span<const double> upper_bounds,
                                 std::span<const std::uint64_t> bucket_counts, double sum) {
    if (!m_family_valid) return;
    std::uint64_t cumulative = 0;
    const std::size_t n = std::min(upper_bounds.size(), bucket_counts.size());
    for (std::size_t i = 0; i < n; ++i) {
        cumulative += bucket_counts[i];
        series("_bucket", labels, "le", format_double(upper_bounds[i]));
        value(std::to_string(cumulative));
    }
    for (std::size_t i = n; i < bucket_counts.size(); ++i) cumulative += bucket_counts[i];
    series("_bucket", labels, "le", "+Inf");
    value(std::to_string(cumulative));
    series("_sum", labels);
    value(format_double(sum));
    series("_count", labels);
    value(std::to_string(cumulative));
}

}  // namespace fulcrum::proxy::metrics
