#pragma once
// tls.certificates on the agent: describes certificate files of this host for the panel with
// the proxy's own reader (proxy/tls/certificate_info.h), so the panel shows what a listener
// would load. Reads only the certificate, never a key. Runs on the daemon's loop: each file
// is opened without blocking on FIFOs or devices (regular files only) and read up to 1 MiB.

#include "agent/protocol/tls.h"

#include <string>

namespace fulcrum::agent {

inline constexpr long kMaxCertificateFileBytes = 1024 * 1024;

// The first certificate of the PEM file at `path` (absolute), or `error` saying in words why not.
protocol::CertificateDescription describe_certificate_file(const std::string& path);

}  // namespace fulcrum::agent
