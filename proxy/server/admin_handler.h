#pragma once

#include <string>
#include <string_view>

namespace fulcrum::proxy::server {

class ProxyServer;

// Answers one admin request line (see proxy/admin/ADMIN.md) against a running proxy.
// Returns one JSON answer line without '\n'. Never throws.
std::string handle_admin_line(ProxyServer& server, std::string_view line);

}  // namespace fulcrum::proxy::server
