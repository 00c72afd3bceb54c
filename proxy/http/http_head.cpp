#include "proxy/http/http_head.h"

namespace fulcrum::proxy::http {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

bool list_contains(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        if (iequals(trim(list.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

std::string_view HttpHead::header(std::string_view name) const {
    for (const auto& field : fields) {
        if (iequals(field.name, name)) return field.value;
    }
    return {};
}

std::size_t HttpHead::count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& field : fields) n += iequals(field.name, name) ? 1 : 0;
    return n;
}

void HttpHead::clear() {
    method = {};
    target = {};
    status = 0;
    reason = {};
    version_major = 1;
    version_minor = 1;
    fields.clear();
    chunked = false;
    has_content_length = false;
    content_length = 0;
    keep_alive = true;
    upgrade = false;
}

}  // namespace fulcrum::proxy::http
