#pragma once

#include "agent/protocol/host.h"

namespace fulcrum::agent {

// Reads the facts from the running system (uname, /proc, /etc/os-release, sudo -n).
protocol::HostFacts collect_host_facts();

// True if `sudo -n true` succeeds, i.e. sudo works without a password prompt.
bool has_passwordless_sudo();

}  // namespace fulcrum::agent
