#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fulcrum::proxy::config {

// An IP literal and a port, as listeners and upstream servers are written: "127.0.0.1:8000",
// "[::1]:8443", "0.0.0.0:80". "localhost:PORT" means 127.0.0.1: names are never resolved,
// because a DNS lookup would block the loop that applies a config.
struct SocketAddress {
    std::string ip;  // canonical text of the IP, without brackets
    std::uint16_t port = 0;
    bool v6 = false;
    bool operator==(const SocketAddress&) const = default;

    std::string to_string() const;  // "1.2.3.4:80" / "[::1]:80"
    bool is_loopback() const;
};

// Parses "IP:PORT"; port 0 is accepted only when allow_port_zero (tests bind port 0).
// On failure returns nullopt and says why in `error`.
std::optional<SocketAddress> parse_socket_address(std::string_view text, std::string& error,
                                                  bool allow_port_zero = true);

}  // namespace fulcrum::proxy::config
