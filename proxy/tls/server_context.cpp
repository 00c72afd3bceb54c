#include "proxy/tls/server_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

namespace fulcrum::proxy::tls {

const char* const kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
const char* const kTls13Ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
const char* const kGroups = "X25519:P-256:P-384";

namespace {

constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned char kSessionIdContext[] = "fulcrum";

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
    return out;
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                unsigned int in_length, void*) {
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, out_length, kAlpnHttp11, sizeof(kAlpnHttp11), in, in_length) ==
        OPENSSL_NPN_NEGOTIATED) {
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
    }
    // RFC 7301: a client that offers only protocols we do not speak gets no_application_protocol.
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

SslCtxPtr make_context(const TicketKeys& keys, std::string& error) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) {
        error = "SSL_CTX_new failed: " + take_openssl_errors();
        return nullptr;
    }
    SSL_CTX* c = ctx.get();
    bool ok = SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) == 1 &&
              SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) == 1 &&
              SSL_CTX_set_cipher_list(c, kTls12Ciphers) == 1 && SSL_CTX_set_ciphersuites(c, kTls13Ciphersuites) == 1 &&
              SSL_CTX_set1_groups_list(c, kGroups) == 1 &&
              SSL_CTX_set_session_id_context(c, kSessionIdContext, sizeof(kSessionIdContext) - 1) == 1;
    if (!ok) {
        error = "cannot apply TLS settings: " + take_openssl_errors();
        return nullptr;
    }
    // Mozilla intermediate leaves the cipher choice to the client (all are strong); peers
    // that close without close_notify are common and not an error worth logging.
    SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_clear_options(c, SSL_OP_CIPHER_SERVER_PREFERENCE);
    // Idle keep-alive connections must not pin 2 x 16 KiB of buffers each.
    SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(c, 20000);
    SSL_CTX_set_timeout(c, 24 * 60 * 60);
    if (SSL_CTX_set_tlsext_ticket_keys(c, const_cast<unsigned char*>(keys.bytes().data()),
                                       static_cast<long>(keys.bytes().size())) != 1) {
        error = "cannot set session ticket keys: " + take_openssl_errors();
        return nullptr;
    }
    SSL_CTX_set_alpn_select_cb(c, select_alpn, nullptr);
    return ctx;
}

bool load_pair(SSL_CTX* ctx, const CertificateFiles& files, CertificateInfo& info, std::string& error) {
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, files.cert_path.c_str()) != 1) {
        error = "cannot load certificate '" + files.cert_path + "': " + take_openssl_errors();
        return false;
    }
    // The chain file call leaves the leaf as the context's current certificate.
    X509* leaf = SSL_CTX_get0_certificate(ctx);
    BioPtr key_bio(BIO_new_file(files.key_path.c_str(), "r"));
    EvpPkeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key) {
        error = "cannot load key '" + files.key_path + "' for '" + files.cert_path + "': " + take_openssl_errors();
        return false;
    }
    if (X509_check_private_key(leaf, key.get()) != 1) {
        take_openssl_errors();
        error = "key '" + files.key_path + "' does not match certificate '" + files.cert_path + "'";
        return false;
    }
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        error = "cannot use key '" + files.key_path + "': " + take_openssl_errors();
        return false;
    }
    info = describe_certificate(leaf);
    info.cert_path = files.cert_path;
    return true;
}

// Reads just the leaf of a PEM file, to learn which names it serves before grouping.
X509Ptr read_leaf(const std::string& path, std::string& error) {
    BioPtr bio(BIO_new_file(path.c_str(), "r"));
    if (!bio) {
        error = "cannot open certificate '" + path + "': " + take_openssl_errors();
        return nullptr;
    }
    X509Ptr leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!leaf) error = "no PEM certificate in '" + path + "': " + take_openssl_errors();
    return leaf;
}

}  // namespace

TicketKeys::TicketKeys() {
    if (RAND_bytes(m_bytes.data(), static_cast<int>(m_bytes.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed for session ticket keys");
    }
}

std::shared_ptr<const ServerContext> ServerContext::load(const std::vector<CertificateFiles>& files,
                                                         std::shared_ptr<const TicketKeys> ticket_keys,
                                                         std::string& error) {
    if (files.empty()) {
        error = "a TLS listener needs at least one certificate";
        return nullptr;
    }
    if (!ticket_keys) ticket_keys = std::make_shared<const TicketKeys>();
    auto out = std::make_shared<ServerContext>();
    out->m_ticket_keys = ticket_keys;

    // Group certificates by the exact set of names they serve: an ECDSA and an RSA
    // certificate for the same names share one context.
    std::map<std::vector<std::string>, std::size_t> group_of_names;
    for (const auto& pair : files) {
        const auto leaf = read_leaf(pair.cert_path, error);
        if (!leaf) return nullptr;
        auto names = describe_certificate(leaf.get()).served_names();
        std::sort(names.begin(), names.end());
        auto [it, inserted] = group_of_names.emplace(names, out->m_contexts.size());
        if (inserted) {
            auto ctx = make_context(*ticket_keys, error);
            if (!ctx) return nullptr;
            out->m_contexts.push_back(std::move(ctx));
            for (const auto& name : names) {
                if (name.starts_with("*.")) {
                    out->m_wildcard_suffixes.emplace(name.substr(1), it->second);
                } else {
                    out->m_exact_names.emplace(name, it->second);
                }
            }
        }
        CertificateInfo info;
        if (!load_pair(out->m_contexts[it->second].get(), pair, info, error)) return nullptr;
        out->m_certificates.push_back(std::move(info));
    }
    for (auto& ctx : out->m_contexts) {
        SSL_CTX_set_tlsext_servername_callback(ctx.get(), on_server_name);
        SSL_CTX_set_tlsext_servername_arg(ctx.get(), out.get());
    }
    return out;
}

SSL_CTX* ServerContext::context_for(std::string_view host_name) const {
    const std::string name = lower(host_name);
    if (const auto exact = m_exact_names.find(name); exact != m_exact_names.end()) {
        return m_contexts[exact->second].get();
    }
    if (const auto dot = name.find('.'); dot != std::string::npos && dot > 0) {
        if (const auto wild = m_wildcard_suffixes.find(name.substr(dot)); wild != m_wildcard_suffixes.end()) {
            return m_contexts[wild->second].get();
        }
    }
    return default_context();
}

int ServerContext::on_server_name(SSL* ssl, int*, void* arg) {
    // `arg` outlives the handshake: every TlsSession holds its ServerContext.
    const auto* self = static_cast<const ServerContext*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name) return SSL_TLSEXT_ERR_NOACK;
    SSL_CTX* wanted = self->context_for(name);
    if (wanted != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, wanted);
    return SSL_TLSEXT_ERR_OK;
}

void close_cleanly(SSL* ssl) {
    SSL_set_quiet_shutdown(ssl, 1);
    SSL_shutdown(ssl);
}

SslPtr ServerContext::new_ssl() const {
    SslPtr ssl(SSL_new(default_context()));
    return ssl;
}

}  // namespace fulcrum::proxy::tls
