#include "proxy/http/http_head.h"

#include <cstdint>
#include <cstring>

namespace fulcrum::proxy::http {

namespace {
// Whether `name` (of `known`'s length) is `known`, a name in lower case (letters and '-'), in
// any case. Eight bytes at a time, overlapping at the end: a byte of `known` at or above 'a' is
// a letter, and the name's byte there is compared with its 0x20 bit set, which folds exactly
// 'A'-'Z' onto 'a'-'z'; the '-' are compared as they are.
bool is_known(std::string_view name, std::string_view known) {
    const auto words_match = [&](std::size_t at, auto word) {
        decltype(word) a;
        decltype(word) b;
        std::memcpy(&a, name.data() + at, sizeof a);
        std::memcpy(&b, known.data() + at, sizeof b);
        const auto ones = static_cast<decltype(word)>(~decltype(word){0} / 0xFF);  // 0x0101...
        const auto fold = static_cast<decltype(word)>(((b + ones * 0x1F) & (ones * 0x80)) >> 2);
        return static_cast<decltype(word)>(a | fold) == b;
    };
    const std::size_t n = known.size();
    if (n >= 8) {
        for (std::size_t at = 0; at + 8 < n; at += 8) {
            if (!words_match(at, std::uint64_t{})) return false;
        }
        return words_match(n - 8, std::uint64_t{});
    }
    if (n >= 4) return words_match(0, std::uint32_t{}) && words_match(n - 4, std::uint32_t{});
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned c = static_cast<unsigned char>(name[i]);
        if ((c - 'A' < 26u ? c + 32 : c) != static_cast<unsigned char>(known[i])) return false;
    }
    return true;
}
}  // namespace

FieldName classify(std::string_view name) {
    // By length first: most names are then ruled out without a comparison.
    const auto is = [name](std::string_view known) { return is_known(name, known); };
    switch (name.size()) {
        case 2:
            return is("te") ? FieldName::te : FieldName::other;
        case 4:
            return is("host") ? FieldName::host : FieldName::other;
        case 6:
            return is("expect") ? FieldName::expect : FieldName::other;
        case 7:
            return is("upgrade") ? FieldName::upgrade : is("trailer") ? FieldName::trailer : FieldName::other;
        case 10:
            return is("connection")   ? FieldName::connection
                   : is("keep-alive") ? FieldName::keep_alive
                                      : FieldName::other;
        case 15:
            return is("x-forwarded-for") ? FieldName::x_forwarded_for : FieldName::other;
        case 16:
            return is("proxy-connection")   ? FieldName::proxy_connection
                   : is("x-forwarded-host") ? FieldName::x_forwarded_host
                                            : FieldName::other;
        case 17:
            return is("transfer-encoding")   ? FieldName::transfer_encoding
                   : is("x-forwarded-proto") ? FieldName::x_forwarded_proto
                                             : FieldName::other;
        case 18:
            return is("proxy-authenticate") ? FieldName::proxy_authenticate : FieldName::other;
        case 19:
            return is("proxy-authorization") ? FieldName::proxy_authorization : FieldName::other;
        case 25:
            return is("strict-transport-security") ? FieldName::strict_transport_security : FieldName::other;
        default:
            return FieldName::other;
    }
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
