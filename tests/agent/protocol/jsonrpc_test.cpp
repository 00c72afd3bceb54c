#include "agent/protocol/jsonrpc.h"

#include <gtest/gtest.h>

#include <string>

namespace fulcrum::protocol {
namespace {

using nlohmann::json;

std::string without_newline(std::string line) {
    EXPECT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    line.pop_back();
    return line;
}

// By value: callers pass decode_message()'s temporary, which is gone by the next statement.
DecodeFailure expect_failure(const Message& message, ErrorCode code) {
    const auto* failure = std::get_if<DecodeFailure>(&message);
    EXPECT_NE(failure, nullptr);
    if (!failure) return {};
    EXPECT_EQ(failure->error.code, static_cast<int>(code)) << failure->error.message;
    EXPECT_FALSE(failure->error.message.empty());
    return *failure;
}

TEST(JsonRpc, RequestRoundTripsThroughOneLine) {
    const Request request{42, "workers.scale", json{{"group", "web"}, {"count", 4}}};
    const std::string line = encode(request);
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    const Message decoded = decode_message(without_newline(line));
    ASSERT_TRUE(std::holds_alternative<Request>(decoded));
    EXPECT_EQ(std::get<Request>(decoded), request);
}

TEST(JsonRpc, StringIdsAndAbsentParamsAreKept) {
    const Request request{"req-7", "host.facts", nullptr};
    const std::string line = without_newline(encode(request));
    EXPECT_EQ(line.find("params"), std::string::npos);
    EXPECT_EQ(std::get<Request>(decode_message(line)), request);
}

TEST(JsonRpc, NotificationHasNoId) {
    const Notification notification{"config.changed", json{{"version", 3}}};
    const std::string line = without_newline(encode(notification));
    EXPECT_EQ(json::parse(line).count("id"), 0u);
    EXPECT_EQ(std::get<Notification>(decode_message(line)), notification);
}

TEST(JsonRpc, SuccessAndErrorResponsesRoundTrip) {
    const Response ok = Response::success(1, json{{"version", 2}});
    EXPECT_EQ(std::get<Response>(decode_message(without_newline(encode(ok)))), ok);

    const Response failed = Response::failure(
        "x", Error::make(ErrorCode::ConfigInvalid, "config invalid",
                         json{{"errors", json::array({{{"path", "pools[0]"}, {"line", 3}}})}}));
    const Message decoded = decode_message(without_newline(encode(failed)));
    ASSERT_TRUE(std::holds_alternative<Response>(decoded));
    EXPECT_EQ(std::get<Response>(decoded), failed);
    EXPECT_TRUE(std::get<Response>(decoded).error->is(ErrorCode::ConfigInvalid));
}

TEST(JsonRpc, NullResultIsStillASuccess) {
    const Response ok = Response::success(5, nullptr);
    const Message decoded = decode_message(without_newline(encode(ok)));
    ASSERT_TRUE(std::holds_alternative<Response>(decoded));
    EXPECT_FALSE(std::get<Response>(decoded).error);
    EXPECT_TRUE(std::get<Response>(decoded).result->is_null());
}

TEST(JsonRpc, MalformedLinesBecomeErrorsWithTheRightCode) {
    expect_failure(decode_message("not json"), ErrorCode::ParseError);
    expect_failure(decode_message("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\""), ErrorCode::ParseError);
    expect_failure(decode_message("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}]"), ErrorCode::InvalidRequest);
    expect_failure(decode_message("{\"id\":1,\"method\":\"x\"}"), ErrorCode::InvalidRequest);
    expect_failure(decode_message("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"x\"}"), ErrorCode::InvalidRequest);
    expect_failure(decode_message("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}"), ErrorCode::InvalidRequest);
    expect_failure(decode_message("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}"), ErrorCode::InvalidRequest);
    expect_failure(decode_message("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}"), ErrorCode::InvalidRequest);
    expect_failure(decode_message("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":3}"),
                   ErrorCode::InvalidRequest);
    expect_failure(decode_message("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}"), ErrorCode::InvalidRequest);
    expect_failure(decode_message("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":\"x\",\"message\":\"m\"}}"),
                   ErrorCode::InvalidRequest);
    expect_failure(decode_message("{\"jsonrpc\":\"2.0\",\"id\":1}"), ErrorCode::InvalidRequest);
}

TEST(JsonRpc, FailureKeepsTheRequestIdWhenItWasReadable) {
    const auto failure = expect_failure(decode_message("{\"jsonrpc\":\"1.0\",\"id\":9,\"method\":\"x\"}"),
                                         ErrorCode::InvalidRequest);
    EXPECT_EQ(failure.id, 9);
    const auto unreadable = expect_failure(decode_message("{{{"), ErrorCode::ParseError);
    EXPECT_TRUE(unreadable.id.is_null());
}

TEST(JsonRpc, DeepNestingIsRefusedBeforeParsing) {
    const std::string deep(200000, '[');
    expect_failure(decode_message(deep), ErrorCode::ParseError);
    // Brackets inside strings do not count.
    const std::string in_string = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + std::string(500, '[') + "\"}";
    EXPECT_TRUE(std::holds_alternative<Request>(decode_message(in_string)));
    std::string nested_ok = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"a\":";
    nested_ok += std::string(kMaxNestingDepth - 2, '[') + std::string(kMaxNestingDepth - 2, ']') + "}}";
    EXPECT_TRUE(std::holds_alternative<Request>(decode_message(nested_ok)));
}

TEST(JsonRpc, InvalidUtf8IsAParseErrorOnInputAndReplacedOnOutput) {
    expect_failure(decode_message("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\xff\"}"), ErrorCode::ParseError);
    const Notification log{"logs.line", json{{"text", std::string("bad \xff byte")}}};
    std::string line;
    ASSERT_NO_THROW(line = encode(log));
    EXPECT_TRUE(std::holds_alternative<Notification>(decode_message(without_newline(line))));
}

TEST(JsonRpc, ErrorCodesHaveNames) {
    EXPECT_EQ(error_code_name(ErrorCode::MethodNotFound), "method not found");
    EXPECT_EQ(error_code_name(ErrorCode::IncompatibleVersion), "incompatible protocol version");
    EXPECT_EQ(static_cast<int>(ErrorCode::InvalidParams), -32602);
}

}  // namespace
}  // namespace fulcrum::protocol
