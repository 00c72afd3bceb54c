// Fields a Connection header names are hop-by-hop: never forwarded, however many it names,
// in how many Connection fields, with what spacing and case.
#include "proxy/http/forwarding.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace {

using fulcrum::proxy::http::build_client_response;
using fulcrum::proxy::http::build_upstream_request;
using fulcrum::proxy::http::classify;
using fulcrum::proxy::http::ClientResponseOptions;
using fulcrum::proxy::http::FieldName;
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

// Names are classified once per head, eight bytes at a time; every spelling of a known name is
// that name, and a name of the same length that differs anywhere is not.
TEST(Forwarding, FieldNamesAreClassifiedWhateverTheirCase) {
    const std::pair<const char*, FieldName> known[] = {
        {"host", FieldName::host},
        {"connection", FieldName::connection},
        {"keep-alive", FieldName::keep_alive},
        {"proxy-connection", FieldName::proxy_connection},
        {"te", FieldName::te},
        {"trailer", FieldName::trailer},
        {"transfer-encoding", FieldName::transfer_encoding},
        {"upgrade", FieldName::upgrade},
        {"proxy-authenticate", FieldName::proxy_authenticate},
        {"proxy-authorization", FieldName::proxy_authorization},
        {"x-forwarded-for", FieldName::x_forwarded_for},
        {"x-forwarded-proto", FieldName::x_forwarded_proto},
        {"x-forwarded-host", FieldName::x_forwarded_host},
        {"expect", FieldName::expect},
        {"strict-transport-security", FieldName::strict_transport_security},
    };
    for (const auto& [name, id] : known) {
        std::string upper = name;
        std::string mixed = name;
        for (std::size_t i = 0; i < upper.size(); ++i) {
            upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
            if (i % 2 == 0) mixed[i] = upper[i];
        }
        EXPECT_EQ(classify(name), id) << name;
        EXPECT_EQ(classify(upper), id) << upper;
        EXPECT_EQ(classify(mixed), id) << mixed;
        for (std::size_t i = 0; i < upper.size(); ++i) {
            std::string near = name;
            near[i] = near[i] == 'x' ? 'y' : 'x';
            EXPECT_EQ(classify(near), FieldName::other) << near;
            // Only letters fold: '-' with its 0x20 bit cleared is a CR, not a '-'.
            if (name[i] == '-') {
                near[i] = '\r';
                EXPECT_EQ(classify(near), FieldName::other) << i << " in " << name;
            }
        }
    }
    EXPECT_EQ(HttpHead::Field("Keep-Alive", "5").id, FieldName::keep_alive);
}

// What never goes upstream, in any spelling, and what the proxy sets in its place.
TEST(Forwarding, HopByHopAndOurOwnFieldsAreReplacedUpstream) {
    HttpHead head;
    head.method = "POST";
    head.target = "/";
    head.fields = {{"HOST", "example.com"},
                   {"Keep-Alive", "5"},
                   {"TE", "trailers"},
                   {"Trailer", "X"},
                   {"Proxy-Authorization", "p"},
                   {"UPGRADE", "websocket"},
                   {"Proxy-Connection", "c"},
                   {"X-Forwarded-For", "1.2.3.4"},
                   {"x-forwarded-proto", "https"},
                   {"X-Forwarded-Host", "evil"},
                   {"Expect", "100-continue"},
                   {"Transfer-Encoding", "chunked"},
                   {"X-Kept", "k"}};
    head.chunked = true;
    UpstreamRequestOptions options;
    options.client_ip = "10.0.0.1";
    options.scheme = "http";
    std::string out;
    build_upstream_request(head, options, out);
    EXPECT_EQ(
        out,
        "POST / HTTP/1.1\r\nHOST: example.com\r\nX-Kept: k\r\nX-Forwarded-For: 1.2.3.4, 10.0.0.1\r\n"
        "X-Forwarded-Proto: http\r\nX-Forwarded-Host: example.com\r\nTransfer-Encoding: chunked\r\n\r\n");
}

// The heads are written into a string sized once for the longest head the message can make:
// a head made only of the values we repeat in lines of our own (X-Forwarded-For, -Host,
// Upgrade), long ones, still comes out whole.
TEST(Forwarding, HeadsMadeOfRepeatedValuesComeOutWhole) {
    const std::string big(3000, 'v');
    const std::string target = "/" + std::string(500, 't');
    const std::string reason(200, 'r');
    HttpHead request;
    request.method = "GET";
    request.target = target;
    request.fields = {{"X-Forwarded-For", big}, {"Host", big}, {"Upgrade", big}};
    UpstreamRequestOptions options;
    options.client_ip = "2001:db8::1";
    options.scheme = "https";
    options.upgrade = true;
    std::string out;
    build_upstream_request(request, options, out);
    EXPECT_EQ(out, "GET " + target + " HTTP/1.1\r\nHost: " + big + "\r\nX-Forwarded-For: " + big +
                       ", 2001:db8::1\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: " + big +
                       "\r\nUpgrade: " + big + "\r\nConnection: upgrade\r\n\r\n");

    HttpHead response;
    response.status = 101;
    response.reason = reason;
    response.fields = {{"Upgrade", big}};
    ClientResponseOptions client;
    client.upgrade = true;
    client.hsts_max_age = 18446744073709551615ull;
    build_client_response(response, client, out);
    EXPECT_EQ(out, "HTTP/1.1 101 " + reason +
                       "\r\nStrict-Transport-Security: max-age=18446744073709551615\r\nUpgrade: " + big +
                       "\r\nConnection: upgrade\r\n\r\n");
}

}  // namespace
