#pragma once
// tls.certificates: what the certificate files a host's config names hold, read by the agent
// on the host (the panel cannot open files there, and certificates placed by hand, by certbot
// or by another panel are as much the host's as those uploaded from here). The facts the
// proxy reports for its loaded certificates (proxy/tls/certificate_info.h); no key material.

#include "agent/protocol/json_fields.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fulcrum::protocol {

inline constexpr std::size_t kMaxCertificatePaths = 64;

struct TlsCertificatesParams {
    // Absolute paths of PEM certificate files (leaf first), at most kMaxCertificatePaths.
    std::vector<std::string> paths;
    bool operator==(const TlsCertificatesParams&) const = default;
};
FULCRUM_PROTOCOL_JSON(TlsCertificatesParams, paths)

struct CertificateDescription {
    std::string path;
    // Why the file could not be described, in words ("no such file", "holds no PEM
    // certificate"); empty when the fields below are filled.
    std::string error;
    std::string subject;  // RFC 2253, e.g. "CN=example.org"
    std::string common_name;
    std::string issuer;
    std::vector<std::string> names;  // DNS, then IP subject alternative names
    std::int64_t not_before = 0;     // Unix seconds
    std::int64_t not_after = 0;
    std::string key_type;  // "ECDSA P-256", "RSA 2048"
    std::string sha256;    // colon-separated hex
    bool self_signed = false;
    bool operator==(const CertificateDescription&) const = default;
};
FULCRUM_PROTOCOL_JSON(CertificateDescription, path, error, subject, common_name, issuer, names, not_before, not_after,
                      key_type, sha256, self_signed)

struct TlsCertificatesResult {
    std::vector<CertificateDescription> certificates;  // one per path, in the order asked
    bool operator==(const TlsCertificatesResult&) const = default;
};
FULCRUM_PROTOCOL_JSON(TlsCertificatesResult, certificates)

}  // namespace fulcrum::protocol
