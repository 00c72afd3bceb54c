// Runs the real `fulcrum-agent cert self-signed` and checks its files with the openssl CLI.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/proxy/tls/tls_test_support.h"

namespace fulcrum::proxy::tls {
namespace {

struct Run {
    int status = -1;
    std::string output;
};

Run run(const std::string& command) {
    Run out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return out;
    std::array<char, 4096> buffer;
    while (const auto n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.output.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

TEST(CertCommand, SelfSignedWritesKey0600AndAValidCertificate) {
    testing::TempDir dir;
    const std::string cert = dir.path() + "/site.crt";
    const std::string key = dir.path() + "/site.key";
    const auto made = run(std::string(FULCRUM_AGENT_BINARY) + " cert self-signed --host site.test --host 127.0.0.1" +
                          " --cert " + cert + " --key " + key);
    ASSERT_EQ(made.status, 0) << made.output;
    EXPECT_NE(made.output.find("site.test, 127.0.0.1"), std::string::npos) << made.output;
    EXPECT_EQ(made.output.find("PRIVATE KEY"), std::string::npos) << "the key must never be printed";

    struct stat info {};
    ASSERT_EQ(::stat(key.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);

    const auto text = run("openssl x509 -in " + cert + " -noout -text");
    ASSERT_EQ(text.status, 0) << text.output;
    EXPECT_NE(text.output.find("DNS:site.test, IP Address:127.0.0.1"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("TLS Web Server Authentication"), std::string::npos);
    EXPECT_NE(text.output.find("prime256v1"), std::string::npos);
    const auto check = run("openssl x509 -in " + cert + " -noout -checkend 86400");
    EXPECT_EQ(check.status, 0) << check.output;
    const auto key_pub = run("openssl pkey -in " + key + " -pubout");
    const auto cert_pub = run("openssl x509 -in " + cert + " -noout -pubkey");
    EXPECT_EQ(key_pub.output, cert_pub.output);

    // The files load as a listener's certificate.
    std::string error;
    EXPECT_TRUE(ServerContext::load({{cert, key}}, nullptr, error)) << error;
}

TEST(CertCommand, RefusesToOverwriteWithoutForceAndRejectsBadHosts) {
    testing::TempDir dir;
    const std::string args = " --cert " + dir.path() + "/c.crt --key " + dir.path() + "/c.key";
    const std::string agent = FULCRUM_AGENT_BINARY;
    ASSERT_EQ(run(agent + " cert self-signed --host a.test --key-type rsa" + args).status, 0);
    const auto again = run(agent + " cert self-signed --host a.test" + args);
    EXPECT_EQ(again.status, 1);
    EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
    EXPECT_EQ(run(agent + " cert self-signed --host a.test --force" + args).status, 0);
    const auto bad = run(agent + " cert self-signed --host 'a b'" + args + " --force");
    EXPECT_NE(bad.status, 0);
    EXPECT_NE(bad.output.find("'a b'"), std::string::npos) << bad.output;
    EXPECT_NE(run(agent + " cert self-signed" + args).status, 0);
    EXPECT_NE(run(agent + " cert self-signed --host a.test --days 0" + args).status, 0);
}

TEST(CertCommand, DefaultsToTheStateDirectory) {
    testing::TempDir dir;
    const auto made = run("XDG_STATE_HOME=" + dir.path() + " " + FULCRUM_AGENT_BINARY +
                          " cert self-signed --host first.test");
    ASSERT_EQ(made.status, 0) << made.output;
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/fulcrum/tls/first.test.crt"));
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/fulcrum/tls/first.test.key"));
}

}  // namespace
}  // namespace fulcrum::proxy::tls
