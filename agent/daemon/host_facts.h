#pragma once

#include "agent/protocol/host.h"

#include <cstddef>
#include <string>
#include <vector>

namespace fulcrum::agent {

// Reads the facts from the running system (uname, /proc, /etc/os-release, sudo -n).
protocol::HostFacts collect_host_facts();

// Every interface address as "ADDRESS/PREFIX" (getifaddrs), IPv6 link-local left out, at most
// kMaxInterfaceAddresses, in the kernel's order without duplicates.
inline constexpr std::size_t kMaxInterfaceAddresses = 256;
std::vector<std::string> interface_addresses();

// True if `sudo -n true` succeeds, i.e. sudo works without a password prompt.
bool has_passwordless_sudo();

}  // namespace fulcrum::agent
