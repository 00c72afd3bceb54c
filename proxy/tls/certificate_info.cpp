#include "proxy/tls/certificate_info.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "proxy/tls/openssl_handles.h"

namespace fulcrum::proxy::tls {

namespace {

std::string name_to_string(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::time_t to_time(const ASN1_TIME* when) {
    std::tm parts{};
    if (!when || ASN1_TIME_to_tm(when, &parts) != 1) return 0;
    return ::timegm(&parts);
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

}  // namespace

std::string take_openssl_errors() {
    std::string out;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof(buffer));
        if (!out.empty()) out += "; ";
        out += buffer;
    }
    return out;
}

std::vector<std::string> CertificateInfo::served_names() const {
    if (!dns_names.empty()) return dns_names;
    if (!subject_common_name.empty()) return {lower(subject_common_name)};
    return {};
}

std::string describe_key(EVP_PKEY* key) {
    if (!key) return "none";
    const int bits = EVP_PKEY_get_bits(key);
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = {};
        std::size_t length = 0;
        if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &length) == 1) {
            std::string name(group, length);
            if (name == "prime256v1") name = "P-256";
            if (name == "secp384r1") name = "P-384";
            if (name == "secp521r1") name = "P-521";
            return "ECDSA " + name;
        }
        return "ECDSA " + std::to_string(bits);
    }
    if (EVP_PKEY_is_a(key, "RSA")) return "RSA " + std::to_string(bits);
    if (EVP_PKEY_is_a(key, "ED25519")) return "Ed25519";
    return std::string(EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown") + " " +
           std::to_string(bits);
}

CertificateInfo describe_certificate(X509* certificate) {
    CertificateInfo info;
    info.subject = name_to_string(X509_get_subject_name(certificate));
    info.issuer = name_to_string(X509_get_issuer_name(certificate));
    info.not_before = to_time(X509_get0_notBefore(certificate));
    info.not_after = to_time(X509_get0_notAfter(certificate));
    info.key_type = describe_key(X509_get0_pubkey(certificate));

    char common_name[256] = {};
    const int cn_length = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName,
                                                    common_name, sizeof(common_name));
    if (cn_length > 0) info.subject_common_name.assign(common_name, static_cast<std::size_t>(cn_length));

    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) {
            const auto* text = ASN1_STRING_get0_data(name->d.dNSName);
            info.dns_names.push_back(lower(std::string(reinterpret_cast<const char*>(text),
                                                       static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)))));
        } else if (name->type == GEN_IPADD) {
            const auto* bytes = ASN1_STRING_get0_data(name->d.iPAddress);
            const int length = ASN1_STRING_length(name->d.iPAddress);
            char text[64] = {};
            if (length == 4) {
                std::snprintf(text, sizeof(text), "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
                info.ip_addresses.emplace_back(text);
            } else if (length == 16) {
                std::string ipv6;
                for (int k = 0; k < 16; k += 2) {
                    std::snprintf(text, sizeof(text), "%s%x", k ? ":" : "", (bytes[k] << 8) | bytes[k + 1]);
                    ipv6 += text;
                }
                info.ip_addresses.push_back(ipv6);
            }
        }
    }
    GENERAL_NAMES_free(names);

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    if (X509_digest(certificate, EVP_sha256(), digest, &digest_length) == 1) {
        for (unsigned int i = 0; i < digest_length; ++i) {
            char hex[4];
            std::snprintf(hex, sizeof(hex), i ? ":%02X" : "%02X", digest[i]);
            info.sha256_fingerprint += hex;
        }
    }
    return info;
}

}  // namespace fulcrum::proxy::tls
