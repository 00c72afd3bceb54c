#pragma once

#include <openssl/x509.h>

#include <ctime>
#include <string>
#include <vector>

namespace fulcrum::proxy::tls {

// What status pages and metrics show about a loaded certificate. No key material.
struct CertificateInfo {
    std::string cert_path;
    std::string subject;  // RFC 2253, e.g. "CN=example.com"
    std::string issuer;
    std::string subject_common_name;
    std::vector<std::string> dns_names;  // subjectAltName DNS entries, lower case
    std::vector<std::string> ip_addresses;
    std::time_t not_before = 0;
    std::time_t not_after = 0;
    std::string key_type;            // "ECDSA P-256", "RSA 2048", ...
    std::string sha256_fingerprint;  // hex, colon-separated, as openssl x509 -fingerprint

    // The host names this certificate answers for: its DNS SANs, or the subject CN when it
    // has none (legacy certificates).
    std::vector<std::string> served_names() const;
};

CertificateInfo describe_certificate(X509* certificate);
std::string describe_key(EVP_PKEY* key);

}  // namespace fulcrum::proxy::tls
