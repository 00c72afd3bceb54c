#include "tests/proxy/tls/tls_test_support.h"

#include <openssl/bio.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fulcrum::proxy::tls::testing {

TempDir::TempDir() {
    char pattern[] = "/tmp/fulcrum-tls-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    m_path = pattern;
}

TempDir::~TempDir() { std::filesystem::remove_all(m_path); }

CertificateFiles write_self_signed(const std::string& dir, const std::string& stem,
                                   const std::vector<std::string>& hosts, KeyType type) {
    SelfSigned made;
    std::string error;
    if (!make_self_signed(hosts, type, 30, made, error)) throw std::runtime_error(error);
    CertificateFiles files{dir + "/" + stem + ".crt", dir + "/" + stem + ".key"};
    std::ofstream(files.cert_path) << made.certificate_pem;
    std::ofstream(files.key_path) << made.private_key_pem;
    return files;
}

bool handshake(SSL* server, SSL* client) {
    BIO* server_side = nullptr;
    BIO* client_side = nullptr;
    if (BIO_new_bio_pair(&server_side, 0, &client_side, 0) != 1) return false;
    SSL_set_bio(server, server_side, server_side);
    SSL_set_bio(client, client_side, client_side);
    SSL_set_accept_state(server);
    SSL_set_connect_state(client);
    bool server_done = false;
    bool client_done = false;
    for (int round = 0; round < 20 && !(server_done && client_done); ++round) {
        if (!client_done) {
            const int r = SSL_do_handshake(client);
            if (r == 1) {
                client_done = true;
            } else if (SSL_get_error(client, r) != SSL_ERROR_WANT_READ) {
                return false;
            }
        }
        if (!server_done) {
            const int r = SSL_do_handshake(server);
            if (r == 1) {
                server_done = true;
            } else if (SSL_get_error(server, r) != SSL_ERROR_WANT_READ) {
                return false;
            }
        }
    }
    if (!(server_done && client_done)) return false;
    // TLS 1.3 tickets arrive after the handshake; let the client read them.
    char byte;
    SSL_read(client, &byte, 1);
    return true;
}

SslCtxPtr client_context(int min_version, int max_version) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_min_proto_version(ctx.get(), min_version);
    SSL_CTX_set_max_proto_version(ctx.get(), max_version);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_CLIENT);
    return ctx;
}

}  // namespace fulcrum::proxy::tls::testing
