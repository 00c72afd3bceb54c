#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proxy/tls/certificate_info.h"
#include "proxy/tls/openssl_handles.h"

namespace fulcrum::proxy::tls {

struct CertificateFiles {
    std::string cert_path;  // PEM: the leaf first, then its chain
    std::string key_path;   // PEM private key, unencrypted (the agent owns it, mode 0600)
};

// Session ticket keys shared by every context of a listener and kept across certificate
// reloads, so a client resumes no matter which certificate it got or when we reloaded.
class TicketKeys {
public:
    TicketKeys();  // fresh random keys
    const std::array<unsigned char, 80>& bytes() const { return m_bytes; }

private:
    std::array<unsigned char, 80> m_bytes{};
};

// One listener's TLS server side: an immutable set of SSL_CTXs, one per distinct set of host
// names, each holding every certificate (ECDSA and/or RSA) for those names so OpenSSL can pick
// what the client supports. SNI selects the set; unknown or absent names get the first one.
//
// Settings are Mozilla "intermediate" (v5.7): TLS 1.2 and 1.3 only, ECDHE AEAD ciphers,
// X25519/P-256/P-384, no compression, no renegotiation, ALPN http/1.1, server session cache
// plus tickets.
//
// Reload builds a new ServerContext and swaps it in (see CertificateStore); connections that
// started on the old one keep it alive through the shared_ptr in their TlsSession.
class ServerContext {
public:
    // Returns nullptr and fills `error` (which file, what OpenSSL said) on any failure.
    static std::shared_ptr<const ServerContext> load(const std::vector<CertificateFiles>& files,
                                                     std::shared_ptr<const TicketKeys> ticket_keys,
                                                     std::string& error);

    // A server-side SSL for one accepted connection; SNI is resolved during its handshake.
    SslPtr new_ssl() const;

    SSL_CTX* default_context() const { return m_contexts.front().get(); }
    // The context serving `host_name` (exact or single-label wildcard), default if none.
    SSL_CTX* context_for(std::string_view host_name) const;
    const std::vector<CertificateInfo>& certificates() const { return m_certificates; }

    ServerContext() = default;

private:
    static int on_server_name(SSL* ssl, int* alert, void* arg);

    std::vector<SslCtxPtr> m_contexts;
    std::unordered_map<std::string, std::size_t> m_exact_names;
    std::unordered_map<std::string, std::size_t> m_wildcard_suffixes;  // "*.example.com" -> ".example.com"
    std::vector<CertificateInfo> m_certificates;
    std::shared_ptr<const TicketKeys> m_ticket_keys;
};

// A connection's TLS state: the SSL and the context generation it was made from.
struct TlsSession {
    std::shared_ptr<const ServerContext> context;
    SslPtr ssl;
};

// Marks a finished connection as cleanly closed before its SSL is freed. OpenSSL drops the
// session of an SSL freed mid-stream from the cache, so without this a client could not
// resume after an ordinary keep-alive close.
void close_cleanly(SSL* ssl);

// The mozilla intermediate lists, exposed for tests and the status page.
extern const char* const kTls12Ciphers;
extern const char* const kTls13Ciphersuites;
extern const char* const kGroups;

}  // namespace fulcrum::proxy::tls
