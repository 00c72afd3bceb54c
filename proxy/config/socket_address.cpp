#include "proxy/config/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace fulcrum::proxy::config {

std::string SocketAddress::to_string() const {
    std::string out;
    if (v6) {
        out = "[" + ip + "]";
    } else {
        out = ip;
    }
    out += ':';
    out += std::to_string(port);
    return out;
}

bool SocketAddress::is_loopback() const {
    if (v6) return ip == "::1";
    return ip.rfind("127.", 0) == 0;
}

std::optional<SocketAddress> parse_socket_address(std::string_view text, std::string& error,
                                                  bool allow_port_zero) {
    if (text.size() > 64) {
        error = "address is too long";
        return std::nullopt;
    }
    std::string_view host;
    std::string_view port_text;
    SocketAddress out;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            error = "expected [IPv6]:PORT";
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
        out.v6 = true;
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            error = "expected IP:PORT (no port)";
            return std::nullopt;
        }
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            error = "an IPv6 address must be written in brackets: [IP]:PORT";
            return std::nullopt;
        }
    }
    unsigned port = 0;
    const auto* end = port_text.data() + port_text.size();
    const auto parsed = std::from_chars(port_text.data(), end, port);
    if (port_text.empty() || port_text.size() > 5 || parsed.ec != std::errc() || parsed.ptr != end ||
        port > 65535) {
        error = "port must be a number from 1 to 65535";
        return std::nullopt;
    }
    if (port == 0 && !allow_port_zero) {
        error = "port must be a number from 1 to 65535";
        return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(port);
    if (!out.v6 && host == "localhost") host = "127.0.0.1";
    const std::string host_text(host);
    char buffer[INET6_ADDRSTRLEN] = {};
    if (out.v6) {
        in6_addr address{};
        if (host.empty() || inet_pton(AF_INET6, host_text.c_str(), &address) != 1) {
            error = "'" + host_text + "' is not an IPv6 address";
            return std::nullopt;
        }
        inet_ntop(AF_INET6, &address, buffer, sizeof buffer);
    } else {
        in_addr address{};
        if (host.empty() || inet_pton(AF_INET, host_text.c_str(), &address) != 1) {
            error = "'" + host_text + "' is not an IPv4 address (host names are not resolved)";
            return std::nullopt;
        }
        inet_ntop(AF_INET, &address, buffer, sizeof buffer);
    }
    out.ip = buffer;
    return out;
}

}  // namespace fulcrum::proxy::config
