#pragma once

#include <openssl/ssl.h>

#include <string>
#include <vector>

#include "proxy/tls/openssl_handles.h"
#include "proxy/tls/self_signed.h"
#include "proxy/tls/server_context.h"

namespace fulcrum::proxy::tls::testing {

// A temporary directory removed at destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

// Writes a fresh self-signed pair for `hosts` as DIR/STEM.crt and DIR/STEM.key.
CertificateFiles write_self_signed(const std::string& dir, const std::string& stem,
                                   const std::vector<std::string>& hosts, KeyType type = KeyType::ecdsa_p256);

// Runs a TLS handshake between a server SSL and a client SSL over an in-memory BIO pair,
// the way two sockets would; returns true when both sides completed.
bool handshake(SSL* server, SSL* client);

// A client SSL_CTX that trusts nothing in particular (verification is the test's business).
SslCtxPtr client_context(int min_version = TLS1_VERSION, int max_version = TLS1_3_VERSION);

}  // namespace fulcrum::proxy::tls::testing
