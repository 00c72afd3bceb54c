#pragma once
// host.facts: what the panel shows about a machine and uses for reboot-and-verify.

#include "agent/protocol/json_fields.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fulcrum::protocol {

struct HostFactsParams {
    bool operator==(const HostFactsParams&) const = default;
};
FULCRUM_PROTOCOL_JSON_EMPTY(HostFactsParams)

struct HostFacts {
    std::string hostname;
    std::string os_name;     // PRETTY_NAME from os-release, e.g. "Debian GNU/Linux 12 (bookworm)"
    std::string os_id;       // ID from os-release, e.g. "debian"
    std::string kernel;      // uname -r
    std::string arch;        // uname -m
    int cores = 0;           // online CPUs
    std::uint64_t memory_bytes = 0;
    std::uint64_t uptime_s = 0;
    std::string boot_id;     // changes on every boot; reboot-and-verify compares it
    std::string glibc;       // e.g. "2.36"
    std::string agent_version;
    bool passwordless_sudo = false;
    std::string user;        // the account the agent runs as
    // Every address on the host's interfaces with its prefix length ("192.0.2.7/24",
    // "127.0.0.1/8", "2001:db8::7/64"); IPv6 link-local ones are left out. How other hosts'
    // pools may name this host even when the panel reaches it by another address (a rolling
    // reboot drains them all). Older agents do not send it: empty.
    std::vector<std::string> addresses;
    bool operator==(const HostFacts&) const = default;
};
FULCRUM_PROTOCOL_JSON(HostFacts, hostname, os_name, os_id, kernel, arch, cores, memory_bytes, uptime_s, boot_id,
                      glibc, agent_version, passwordless_sudo, user, addresses)

}  // namespace fulcrum::protocol
