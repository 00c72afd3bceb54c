#pragma once

#include <string>
#include <vector>

namespace fulcrum::proxy::tls {

enum class KeyType { ecdsa_p256, rsa_2048 };

struct SelfSigned {
    std::string certificate_pem;
    std::string private_key_pem;  // secret: write it 0600, never log it
};

// A key and a self-signed certificate for a first run: CN = the first host, every host in
// subjectAltName (IP literals as IP entries), serverAuth, valid from an hour ago for `days`.
// Returns false and fills `error` on failure (e.g. no host, a host that is not a name).
bool make_self_signed(const std::vector<std::string>& hosts, KeyType key_type, int days, SelfSigned& out,
                      std::string& error);

}  // namespace fulcrum::proxy::tls
