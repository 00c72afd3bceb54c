// tls.certificates: certificate files described on the host by the agent, for the panel — the
// reader on its own (real files, a FIFO, sizes over the limit) and the real daemon answering
// the call over its socket.
#include "agent/daemon/certificate_files.h"
#include "proxy/tls/self_signed.h"
#include "tests/agent/support/test_agent.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>

namespace fulcrum::agent::test_support {
namespace {

using namespace std::chrono_literals;
namespace method = protocol::method;

void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

class CertificateFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string error;
        ASSERT_TRUE(proxy::tls::make_self_signed({"files.test", "www.files.test", "127.0.0.1"},
                                                 proxy::tls::KeyType::ecdsa_p256, 12, pair, error))
            << error;
        write(cert, pair.certificate_pem);
        write(key, pair.private_key_pem);
        ::chmod(key.c_str(), 0600);
        temp.give_to_test_user(cert);
        temp.give_to_test_user(key);
    }

    TempDir temp;
    proxy::tls::SelfSigned pair;
    std::filesystem::path cert = temp.path() / "files.test.crt";
    std::filesystem::path key = temp.path() / "files.test.key";
};

TEST_F(CertificateFilesTest, DescribesWhatTheCertificateHolds) {
    const auto d = describe_certificate_file(cert);
    EXPECT_EQ(d.error, "");
    EXPECT_EQ(d.path, cert.string());
    EXPECT_EQ(d.common_name, "files.test");
    EXPECT_EQ(d.subject, "CN=files.test");
    EXPECT_EQ(d.names, (std::vector<std::string>{"files.test", "www.files.test", "127.0.0.1"}));
    EXPECT_TRUE(d.self_signed);
    EXPECT_EQ(d.key_type, "ECDSA P-256");
    EXPECT_EQ(d.sha256.size(), 95u);  // 32 bytes as colon-separated hex
    // Valid for 12 days from about now (make_self_signed backdates an hour).
    const std::int64_t now = std::time(nullptr);
    EXPECT_NEAR(double(d.not_after - now), 12 * 86400.0, 4000.0);
    EXPECT_LT(d.not_before, now);
}

TEST_F(CertificateFilesTest, SaysWhyAFileCannotBeDescribed) {
    EXPECT_EQ(describe_certificate_file((temp.path() / "missing.crt").string()).error, "no such file");
    EXPECT_EQ(describe_certificate_file("relative/site.crt").error, "not an absolute path");
    // A key is not a certificate, and nothing of it comes back.
    const auto k = describe_certificate_file(key);
    EXPECT_EQ(k.error, "holds no PEM certificate");
    EXPECT_EQ(k.subject, "");
    EXPECT_EQ(describe_certificate_file(temp.path().string()).error, "not a regular file");
    // A FIFO must not stall the daemon's loop waiting for a writer.
    const auto fifo = temp.path() / "fifo.crt";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(describe_certificate_file(fifo.string()).error, "not a regular file");
    const auto huge = temp.path() / "huge.crt";
    write(huge, pair.certificate_pem + std::string(kMaxCertificateFileBytes, '\n'));
    EXPECT_NE(describe_certificate_file(huge.string()).error.find("larger than 1 MiB"), std::string::npos);
    // The certificate anywhere in the file is found, after other text (a bundle with comments).
    const auto commented = temp.path() / "commented.crt";
    write(commented, "# issued for the files.test site\n" + pair.certificate_pem);
    EXPECT_EQ(describe_certificate_file(commented.string()).common_name, "files.test");
}

TEST_F(CertificateFilesTest, TheDaemonDescribesEveryPathAskedInOrder) {
    TestDaemon daemon(temp.path() / "state");
    ASSERT_TRUE(daemon.start());
    std::string error;
    auto connection = AgentConnection::connect(daemon.socket(), error);
    ASSERT_TRUE(connection) << error;
    auto hello = connection->call<method::AgentHello>(protocol::HelloParams{"tests", "0", {}, {}}, 5s);
    ASSERT_TRUE(hello.ok()) << hello.error().message;
    const auto& caps = hello.value().capabilities;
    EXPECT_NE(std::find(caps.begin(), caps.end(), protocol::capability::kTlsCertificates), caps.end());

    const std::string missing = (temp.path() / "gone.crt").string();
    auto described = connection->call<method::TlsCertificates>({{missing, cert.string()}}, 10s);
    ASSERT_TRUE(described.ok()) << described.error().message;
    const auto& list = described.value().certificates;
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].path, missing);
    EXPECT_EQ(list[0].error, "no such file");
    EXPECT_EQ(list[1].common_name, "files.test");
    EXPECT_EQ(list[1].names.size(), 3u);

    // Bounded: a call naming more than 64 files is refused, and the daemon carries on.
    protocol::TlsCertificatesParams many;
    many.paths.assign(protocol::kMaxCertificatePaths + 1, cert.string());
    auto refused = connection->call<method::TlsCertificates>(many, 10s);
    ASSERT_FALSE(refused.ok());
    EXPECT_TRUE(refused.error().is(protocol::ErrorCode::InvalidParams));
    EXPECT_TRUE(connection->call<method::TlsCertificates>({{cert.string()}}, 10s).ok());
}

}  // namespace
}  // namespace fulcrum::agent::test_support
