#include "proxy/tls/self_signed.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "proxy/tls/openssl_handles.h"

namespace fulcrum::proxy::tls {

namespace {

bool is_ip_literal(const std::string& host) {
    unsigned char buffer[16];
    return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// Letters, digits, '-', '.', and a leading "*." for wildcards; what a DNS SAN may hold.
bool is_host_name(const std::string& host) {
    if (host.empty() || host.size() > 253) return false;
    std::string_view rest(host);
    if (rest.starts_with("*.")) rest.remove_prefix(2);
    if (rest.empty() || rest.front() == '.' || rest.back() == '.' || rest.front() == '-') return false;
    for (const char c : rest) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                             c == '-' || c == '.';
        if (!allowed) return false;
    }
    return rest.find("..") == std::string_view::npos;
}

bool add_extension(X509* certificate, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    if (!extension) return false;
    const bool ok = X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return ok;
}

std::string bio_to_string(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

bool make_self_signed(const std::vector<std::string>& hosts, KeyType key_type, int days, SelfSigned& out,
                      std::string& error) {
    if (hosts.empty()) {
        error = "at least one --host is needed";
        return false;
    }
    if (days < 1 || days > 3650) {
        error = "validity must be between 1 and 3650 days";
        return false;
    }
    std::string alt_names;
    for (const auto& host : hosts) {
        if (!alt_names.empty()) alt_names += ",";
        if (is_ip_literal(host)) {
            alt_names += "IP:" + host;
        } else if (is_host_name(host)) {
            alt_names += "DNS:" + host;
        } else {
            error = "'" + host + "' is neither a host name nor an IP address";
            return false;
        }
    }

    EvpPkeyPtr key(key_type == KeyType::ecdsa_p256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048));
    X509Ptr certificate(X509_new());
    if (!key || !certificate) {
        error = "key generation failed: " + take_openssl_errors();
        return false;
    }
    X509* cert = certificate.get();
    unsigned char serial_bytes[16];
    RAND_bytes(serial_bytes, sizeof(serial_bytes));
    serial_bytes[0] &= 0x7f;  // positive, as RFC 5280 requires
    BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr);
    const bool serial_ok = serial && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) != nullptr;
    BN_free(serial);

    X509_NAME* name = X509_get_subject_name(cert);
    const std::string common_name = hosts.front().size() <= 64 ? hosts.front() : hosts.front().substr(0, 64);
    bool ok = serial_ok && X509_set_version(cert, 2) == 1 &&
              X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr &&
              X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(days) * 86400) != nullptr &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                                         0) == 1 &&
              X509_set_issuer_name(cert, name) == 1 && X509_set_pubkey(cert, key.get()) == 1 &&
              add_extension(cert, NID_basic_constraints, "critical,CA:FALSE") &&
              add_extension(cert, NID_key_usage,
                            key_type == KeyType::ecdsa_p256 ? "critical,digitalSignature"
                                                            : "critical,digitalSignature,keyEncipherment") &&
              add_extension(cert, NID_ext_key_usage, "serverAuth") &&
              add_extension(cert, NID_subject_key_identifier, "hash") &&
              add_extension(cert, NID_subject_alt_name, alt_names) && X509_sign(cert, key.get(), EVP_sha256()) > 0;
    if (!ok) {
        error = "certificate creation failed: " + take_openssl_errors();
        return false;
    }
    BioPtr cert_bio(BIO_new(BIO_s_mem()));
    BioPtr key_bio(BIO_new(BIO_s_mem()));
    if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert) != 1 ||
        PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        error = "PEM encoding failed: " + take_openssl_errors();
        return false;
    }
    out.certificate_pem = bio_to_string(cert_bio.get());
    out.private_key_pem = bio_to_string(key_bio.get());
    return true;
}

}  // namespace fulcrum::proxy::tls
