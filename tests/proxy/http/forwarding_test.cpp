// Fields a Connection header names are hop-by-hop: never forwarded, however many it names,
// in how many Connection fields, with what spacing and case.
#include "proxy/http/forwarding.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using fulcrum::proxy::http::build_client_response;
using fulcrum::proxy::http::build_upstream_request;
using fulcrum::proxy::http::ClientResponseOptions;
using fulcrum::proxy::http::HttpHead;
using fulcrum::proxy::http::UpstreamRequestOptions;

bool has_line(const std::string& head, const std::string& line) { return head.find("\r\n" + line + "\r\n") != std::string::npos; }

TEST(Forwarding, FieldsNamedByConnectionAreDroppedUpstream) {
    HttpHead head;
    head.method = "GET";
    head.target = "/";
    head.fields = {{"Host", "example.com"},
                   {"Connection", "keep-alive, X-One ,x-two,, "},
                   {"X-One", "1"},
                   {"X-Two", "2"},
                   {"X-Kept", "k"},
                   {"connection", "X-Three"},
                   {"X-THREE", "3"}};
    UpstreamRequestOptions options;
    options.client_ip = "127.0.0.1";
    options.scheme = "http";
    std::string out;
    build_upstream_request(head, options, out);
    EXPECT_TRUE(has_line(out, "Host: example.com")) << out;
    EXPECT_TRUE(has_line(out, "X-Kept: k")) << out;
    for (const char* gone : {"X-One", "X-Two", "X-THREE", "Connection", "connection"}) {
        EXPECT_EQ(out.find(std::string("\r\n") + gone + ":"), std::string::npos) << gone << " in\n" << out;
    }
}

// More tokens than the gathered list holds: the ones past it still count.
TEST(Forwarding, ALongConnectionListStillDropsEveryNamedField) {
    HttpHead head;
    head.status = 200;
    std::string list;
    std::vector<std::string> names;
    for (int i = 0; i < 12; ++i) names.push_back("X-F" + std::to_string(i));
    for (const auto& name : names) list += name + ", ";
    head.fields.push_back({"Connection", list});
    for (const auto& name : names) head.fields.push_back({name, "v"});
    head.fields.push_back({"Content-Length", "0"});
    std::string out;
    build_client_response(head, ClientResponseOptions{}, out);
    for (const auto& name : names) EXPECT_EQ(out.find(name), std::string::npos) << name << " in\n" << out;
    EXPECT_TRUE(has_line(out, "Content-Length: 0")) << out;
}

}  // namespace
