#include "proxy/tls/server_context.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <ctime>
#include <fstream>

#include "proxy/tls/certificate_store.h"
#include "tests/proxy/tls/tls_test_support.h"

namespace fulcrum::proxy::tls {
namespace {

using testing::client_context;
using testing::handshake;
using testing::TempDir;
using testing::write_self_signed;

std::string peer_subject(SSL* client) {
    X509* peer = SSL_get0_peer_certificate(client);
    return peer ? describe_certificate(peer).subject : "";
}

std::string peer_key_type(SSL* client) {
    X509* peer = SSL_get0_peer_certificate(client);
    return peer ? describe_certificate(peer).key_type : "";
}

class ServerContextTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_files = {write_self_signed(m_dir.path(), "a-ec", {"a.test", "www.a.test"}),
                   write_self_signed(m_dir.path(), "a-rsa", {"a.test", "www.a.test"}, KeyType::rsa_2048),
                   write_self_signed(m_dir.path(), "b-ec", {"b.test"}),
                   write_self_signed(m_dir.path(), "wild", {"*.wild.test"})};
        std::string error;
        m_context = ServerContext::load(m_files, nullptr, error);
        ASSERT_TRUE(m_context) << error;
    }

    // Connects one client; returns the client SSL after a successful handshake, or null.
    SslPtr connect(SSL_CTX* client_ctx, const char* server_name, SslPtr* server_out = nullptr,
                   SSL_SESSION* resume = nullptr) {
        SslPtr server = m_context->new_ssl();
        SslPtr client(SSL_new(client_ctx));
        if (server_name) SSL_set_tlsext_host_name(client.get(), server_name);
        if (resume) SSL_set_session(client.get(), resume);
        static constexpr unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
        SSL_set_alpn_protos(client.get(), kAlpn, sizeof(kAlpn));
        if (!handshake(server.get(), client.get())) return nullptr;
        if (server_out) {
            *server_out = std::move(server);
        } else {
            close_cleanly(server.get());
        }
        return client;
    }

    TempDir m_dir;
    std::vector<CertificateFiles> m_files;
    std::shared_ptr<const ServerContext> m_context;
};

TEST_F(ServerContextTest, Tls13And12NegotiateWithAlpnAndNoCompression) {
    for (const int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
        auto ctx = client_context(version, version);
        SslPtr server;
        auto client = connect(ctx.get(), "a.test", &server);
        ASSERT_TRUE(client) << "version " << version;
        EXPECT_EQ(SSL_version(client.get()), version);
        const unsigned char* alpn = nullptr;
        unsigned int alpn_length = 0;
        SSL_get0_alpn_selected(client.get(), &alpn, &alpn_length);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(alpn), alpn_length), "http/1.1");
        EXPECT_EQ(SSL_get_current_compression(server.get()), nullptr);
        const std::string cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(client.get()));
        EXPECT_TRUE(cipher.find("GCM") != std::string::npos || cipher.find("CHACHA20") != std::string::npos)
            << cipher;
    }
}

TEST_F(ServerContextTest, OldProtocolsAreRefused) {
    for (const int version : {TLS1_VERSION, TLS1_1_VERSION}) {
        auto ctx = client_context(version, version);
        SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
        EXPECT_FALSE(connect(ctx.get(), "a.test")) << "version " << version;
    }
}

TEST_F(ServerContextTest, WeakTls12CiphersAreRefused) {
    for (const char* weak : {"AES128-SHA", "AES256-SHA256", "ECDHE-RSA-AES128-SHA", "DES-CBC3-SHA", "RC4-SHA",
                             "ECDHE-ECDSA-AES128-SHA256", "NULL-SHA256", "aNULL"}) {
        auto ctx = client_context(TLS1_2_VERSION, TLS1_2_VERSION);
        SSL_CTX_set_cipher_list(ctx.get(), (std::string(weak) + ":@SECLEVEL=0").c_str());
        EXPECT_FALSE(connect(ctx.get(), "a.test")) << weak;
    }
}

TEST_F(ServerContextTest, SniSelectsTheCertificateAndKeyType) {
    auto ctx = client_context();
    auto client = connect(ctx.get(), "b.test");
    ASSERT_TRUE(client);
    EXPECT_EQ(peer_subject(client.get()), "CN=b.test");

    client = connect(ctx.get(), "WWW.A.TEST");
    ASSERT_TRUE(client);
    EXPECT_EQ(peer_subject(client.get()), "CN=a.test");

    client = connect(ctx.get(), "x.wild.test");
    ASSERT_TRUE(client);
    EXPECT_EQ(peer_subject(client.get()), "CN=*.wild.test");

    client = connect(ctx.get(), "unknown.test");  // falls back to the first certificate
    ASSERT_TRUE(client);
    EXPECT_EQ(peer_subject(client.get()), "CN=a.test");
    client = connect(ctx.get(), nullptr);
    ASSERT_TRUE(client);
    EXPECT_EQ(peer_subject(client.get()), "CN=a.test");

    // A client that accepts only RSA signatures gets the RSA certificate for the same name.
    auto rsa_only = client_context(TLS1_2_VERSION, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(rsa_only.get(), "ECDHE-RSA-AES128-GCM-SHA256");
    client = connect(rsa_only.get(), "a.test");
    ASSERT_TRUE(client);
    EXPECT_EQ(peer_key_type(client.get()), "RSA 2048");
    auto ec_only = client_context(TLS1_2_VERSION, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(ec_only.get(), "ECDHE-ECDSA-AES128-GCM-SHA256");
    client = connect(ec_only.get(), "a.test");
    ASSERT_TRUE(client);
    EXPECT_EQ(peer_key_type(client.get()), "ECDSA P-256");
}

TEST_F(ServerContextTest, SessionsResumeWithTicketsAndWithTheCache) {
    for (const int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
        for (const bool tickets : {true, false}) {
            auto ctx = client_context(version, version);
            if (!tickets) SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
            auto first = connect(ctx.get(), "b.test");
            ASSERT_TRUE(first);
            EXPECT_FALSE(SSL_session_reused(first.get()));
            SSL_SESSION* session = SSL_get1_session(first.get());
            ASSERT_NE(session, nullptr);
            auto second = connect(ctx.get(), "b.test", nullptr, session);
            SSL_SESSION_free(session);
            ASSERT_TRUE(second);
            EXPECT_TRUE(SSL_session_reused(second.get())) << "version " << version << " tickets " << tickets;
        }
    }
}

// Drives a client-initiated TLS 1.2 renegotiation; true when it completed on both sides.
bool renegotiate(SSL* client, SSL* server) {
    if (SSL_renegotiate(client) != 1) return false;
    for (int round = 0; round < 10; ++round) {
        const int done = SSL_do_handshake(client);
        if (done == 1 && !SSL_renegotiate_pending(client)) return true;
        if (done <= 0 && SSL_get_error(client, done) != SSL_ERROR_WANT_READ) return false;
        char byte;
        const int read = SSL_read(server, &byte, 1);
        if (read <= 0 && SSL_get_error(server, read) != SSL_ERROR_WANT_READ) return false;
    }
    return false;
}

TEST_F(ServerContextTest, RenegotiationIsRefused) {
    auto ctx = client_context(TLS1_2_VERSION, TLS1_2_VERSION);
    SslPtr server;
    auto client = connect(ctx.get(), "a.test", &server);
    ASSERT_TRUE(client);
    EXPECT_FALSE(renegotiate(client.get(), server.get()));

    // The same drive succeeds against a context that allows renegotiation, so the check above
    // measures the option and not the harness.
    SslPtr lenient_server = m_context->new_ssl();
    SSL_clear_options(lenient_server.get(), SSL_OP_NO_RENEGOTIATION);
    SSL_set_options(lenient_server.get(), SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
    SslPtr lenient_client(SSL_new(ctx.get()));
    ASSERT_TRUE(handshake(lenient_server.get(), lenient_client.get()));
    EXPECT_TRUE(renegotiate(lenient_client.get(), lenient_server.get()));
}

TEST_F(ServerContextTest, CertificateInfoForStatusAndMetrics) {
    const auto& infos = m_context->certificates();
    ASSERT_EQ(infos.size(), 4u);
    EXPECT_EQ(infos[0].subject, "CN=a.test");
    EXPECT_EQ(infos[0].dns_names, (std::vector<std::string>{"a.test", "www.a.test"}));
    EXPECT_EQ(infos[0].key_type, "ECDSA P-256");
    EXPECT_EQ(infos[1].key_type, "RSA 2048");
    EXPECT_EQ(infos[0].cert_path, m_files[0].cert_path);
    const auto now = std::time(nullptr);
    EXPECT_LT(infos[0].not_before, now);
    EXPECT_NEAR(static_cast<double>(infos[0].not_after), static_cast<double>(now + 30 * 86400), 120.0);
    EXPECT_EQ(infos[0].sha256_fingerprint.size(), 32u * 3 - 1);
}

TEST(ServerContextErrors, ClearMessages) {
    TempDir dir;
    auto a = write_self_signed(dir.path(), "a", {"a.test"});
    auto b = write_self_signed(dir.path(), "b", {"b.test"});
    std::string error;
    EXPECT_FALSE(ServerContext::load({{a.cert_path, b.key_path}}, nullptr, error));
    EXPECT_NE(error.find("does not match"), std::string::npos) << error;
    EXPECT_FALSE(ServerContext::load({{dir.path() + "/missing.crt", a.key_path}}, nullptr, error));
    EXPECT_NE(error.find("missing.crt"), std::string::npos) << error;
    std::ofstream(dir.path() + "/garbage.crt") << "not a certificate\n";
    EXPECT_FALSE(ServerContext::load({{dir.path() + "/garbage.crt", a.key_path}}, nullptr, error));
    EXPECT_NE(error.find("garbage.crt"), std::string::npos) << error;
    EXPECT_FALSE(ServerContext::load({}, nullptr, error));
}

TEST(CertificateStore, ReloadSwapsOnlyWhenEverythingLoadsAndKeepsResumption) {
    TempDir dir;
    const auto first = write_self_signed(dir.path(), "site", {"site.test"});
    std::string error;
    auto store = CertificateStore::create({first}, error);
    ASSERT_TRUE(store) << error;
    const auto before = store->current();
    const auto fingerprint = before->certificates()[0].sha256_fingerprint;

    auto ctx = client_context(TLS1_3_VERSION, TLS1_3_VERSION);
    SslPtr server = before->new_ssl();
    SslPtr client(SSL_new(ctx.get()));
    ASSERT_TRUE(handshake(server.get(), client.get()));
    SSL_SESSION* session = SSL_get1_session(client.get());

    // Renewed certificate in place: reload picks it up, old context objects stay valid.
    write_self_signed(dir.path(), "site", {"site.test"});
    ASSERT_TRUE(store->reload(error)) << error;
    const auto after = store->current();
    EXPECT_NE(after.get(), before.get());
    EXPECT_NE(after->certificates()[0].sha256_fingerprint, fingerprint);

    SslPtr server2 = after->new_ssl();
    SslPtr client2(SSL_new(ctx.get()));
    SSL_set_session(client2.get(), session);
    SSL_SESSION_free(session);
    ASSERT_TRUE(handshake(server2.get(), client2.get()));
    EXPECT_TRUE(SSL_session_reused(client2.get()));

    // A broken file: reload fails, the working context stays.
    std::ofstream(first.key_path) << "broken\n";
    EXPECT_FALSE(store->reload(error));
    EXPECT_NE(error.find("site.key"), std::string::npos) << error;
    EXPECT_EQ(store->current().get(), after.get());
}

TEST(SelfSigned, RefusesBadInput) {
    SelfSigned out;
    std::string error;
    EXPECT_FALSE(make_self_signed({}, KeyType::ecdsa_p256, 30, out, error));
    EXPECT_FALSE(make_self_signed({"bad host/name"}, KeyType::ecdsa_p256, 30, out, error));
    EXPECT_NE(error.find("bad host/name"), std::string::npos);
    EXPECT_FALSE(make_self_signed({"a.test"}, KeyType::ecdsa_p256, 0, out, error));
    ASSERT_TRUE(make_self_signed({"a.test", "127.0.0.1", "::1"}, KeyType::ecdsa_p256, 30, out, error)) << error;
    EXPECT_NE(out.certificate_pem.find("BEGIN CERTIFICATE"), std::string::npos);
    EXPECT_NE(out.private_key_pem.find("PRIVATE KEY"), std::string::npos);
    BioPtr bio(BIO_new_mem_buf(out.certificate_pem.data(), static_cast<int>(out.certificate_pem.size())));
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    ASSERT_TRUE(cert);
    const auto info = describe_certificate(cert.get());
    EXPECT_EQ(info.ip_addresses, (std::vector<std::string>{"127.0.0.1", "0:0:0:0:0:0:0:1"}));
    EXPECT_EQ(X509_check_host(cert.get(), "a.test", 0, 0, nullptr), 1);
}

}  // namespace
}  // namespace fulcrum::proxy::tls
