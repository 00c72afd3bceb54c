#pragma once
// Field-by-field JSON mapping for protocol structs. nlohmann's own macros cannot express
// std::optional (absent key) nor report which field was wrong, and both matter for a wire
// format read from hostile peers, so the protocol uses these instead.

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fulcrum::protocol {

// Thrown by from_json when a field has the wrong type; `path` names the field ("groups.port").
// Caught inside decode helpers and turned into an "invalid params" error, never escapes them.
class FieldError : public std::runtime_error {
public:
    FieldError(std::string path, std::string reason)
        : std::runtime_error(path + ": " + reason), m_path(std::move(path)), m_reason(std::move(reason)) {}
    const std::string& path() const { return m_path; }
    const std::string& reason() const { return m_reason; }

private:
    std::string m_path;
    std::string m_reason;
};

namespace detail {

// "[json.exception.type_error.302] type must be string, but is number" → "type must be ...".
inline std::string plain_reason(const char* what) {
    std::string_view text(what);
    if (!text.empty() && text.front() == '[') {
        if (auto close = text.find("] "); close != std::string_view::npos) text.remove_prefix(close + 2);
    }
    return std::string(text);
}

inline void require_object(const nlohmann::json& j) {
    if (!j.is_object()) throw FieldError("(value)", std::string("expected an object, got ") + j.type_name());
}

template <class T>
void write_field(nlohmann::json& j, const char* key, const T& value) {
    j[key] = value;
}

template <class T>
void write_field(nlohmann::json& j, const char* key, const std::optional<T>& value) {
    if (value) j[key] = *value;
}

template <class T>
void read_value(const nlohmann::json& j, T& value) {
    j.get_to(value);
}

template <class T>
void read_value(const nlohmann::json& j, std::optional<T>& value) {
    if (j.is_null()) {
        value.reset();
    } else {
        value = j.get<T>();
    }
}

// Missing keys keep the struct's default: newer peers may omit fields, older ones may not know
// them (minor protocol versions only ever add optional fields).
template <class T>
void read_field(const nlohmann::json& j, const char* key, T& value) {
    auto it = j.find(key);
    if (it == j.end()) return;
    try {
        read_value(*it, value);
    } catch (const FieldError& e) {
        throw FieldError(std::string(key) + "." + e.path(), e.reason());
    } catch (const nlohmann::json::exception& e) {
        throw FieldError(key, plain_reason(e.what()));
    }
}

}  // namespace detail
}  // namespace fulcrum::protocol

#define FULCRUM_JSON_WRITE_FIELD(field) ::fulcrum::protocol::detail::write_field(out, #field, in.field);
#define FULCRUM_JSON_READ_FIELD(field) ::fulcrum::protocol::detail::read_field(in, #field, out.field);

// Defines to_json/from_json for a struct whose member names are its JSON keys.
#define FULCRUM_PROTOCOL_JSON(Type, ...)                                                       \
    inline void to_json(nlohmann::json& out, const Type& in) {                                 \
        out = nlohmann::json::object();                                                        \
        NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(FULCRUM_JSON_WRITE_FIELD, __VA_ARGS__))       \
    }                                                                                          \
    inline void from_json(const nlohmann::json& in, Type& out) {                               \
        ::fulcrum::protocol::detail::require_object(in);                                       \
        NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(FULCRUM_JSON_READ_FIELD, __VA_ARGS__))        \
    }

// For structs without fields (e.g. host.facts params): accepts {} or null, writes {}.
#define FULCRUM_PROTOCOL_JSON_EMPTY(Type)                                                      \
    inline void to_json(nlohmann::json& out, const Type&) { out = nlohmann::json::object(); }  \
    inline void from_json(const nlohmann::json& in, Type&) {                                   \
        if (!in.is_null()) ::fulcrum::protocol::detail::require_object(in);                    \
    }
