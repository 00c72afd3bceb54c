#pragma once
// Typed glue between the method table and JSON-RPC messages, for both sides:
//   client: make_request<M>(id, params), decode_result<M>(response)
//   server: decode_params<M>(request.params), make_result<M>(id, result)
// None of these throw on bad input: they return an Outcome holding an Error instead.

#include "agent/protocol/jsonrpc.h"
#include "agent/protocol/methods.h"

#include <utility>
#include <variant>

namespace fulcrum::protocol {

template <class T>
class Outcome {
public:
    Outcome(T value) : m_value(std::move(value)) {}           // NOLINT: implicit by design
    Outcome(Error error) : m_value(std::move(error)) {}       // NOLINT: implicit by design

    bool ok() const { return std::holds_alternative<T>(m_value); }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<T>(m_value); }
    const T& value() const { return std::get<T>(m_value); }
    const Error& error() const { return std::get<Error>(m_value); }

private:
    std::variant<T, Error> m_value;
};

template <class T>
Outcome<T> from_json_checked(const nlohmann::json& j, ErrorCode code_on_failure, std::string_view what) {
    try {
        return j.get<T>();
    } catch (const FieldError& e) {
        return Error::make(code_on_failure, std::string(what) + ": " + e.what(), {{"field", e.path()}});
    } catch (const std::exception& e) {
        return Error::make(code_on_failure, std::string(what) + ": " + detail::plain_reason(e.what()));
    }
}

template <class M>
Outcome<typename M::Params> decode_params(const nlohmann::json& params) {
    // Absent params mean "all defaults"; positional (array) params are not used by Fulcrum.
    const nlohmann::json& source = params.is_null() ? nlohmann::json::object() : params;
    if (params.is_array())
        return Error::make(ErrorCode::InvalidParams, std::string(M::name) + ": params must be an object");
    return from_json_checked<typename M::Params>(source, ErrorCode::InvalidParams, M::name);
}

template <class M>
Request make_request(Id id, const typename M::Params& params) {
    return Request{std::move(id), std::string(M::name), nlohmann::json(params)};
}

template <class M>
Response make_result(Id id, const typename M::Result& result) {
    return Response::success(std::move(id), nlohmann::json(result));
}

template <class N>
Notification make_notification(const typename N::Params& params) {
    return Notification{std::string(N::name), nlohmann::json(params)};
}

// A response's error is passed on unchanged; a malformed result becomes InternalError.
template <class M>
Outcome<typename M::Result> decode_result(const Response& response) {
    if (response.error) return *response.error;
    if (!response.result) return Error::make(ErrorCode::InternalError, "response has neither result nor error");
    return from_json_checked<typename M::Result>(*response.result, ErrorCode::InternalError,
                                                 std::string(M::name) + " result");
}

template <class N>
Outcome<typename N::Params> decode_notification(const Notification& notification) {
    return from_json_checked<typename N::Params>(notification.params, ErrorCode::InvalidParams, N::name);
}

}  // namespace fulcrum::protocol
