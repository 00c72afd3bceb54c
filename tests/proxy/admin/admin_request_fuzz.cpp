// libFuzzer target for the admin socket's request parser: never throws, never crashes,
// bounded depth, and what it accepts has the fields its command needs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proxy/admin/admin_request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace fulcrum::proxy::admin;
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    AdminLimits limits;
    limits.max_line_bytes = 64 * 1024;
    const auto parsed = parse_admin_request(line, limits);
    if (!parsed.request) {
        if (parsed.error.empty()) std::abort();
        (void)error_line(parsed.id, parsed.error);
        return 0;
    }
    const auto& request = *parsed.request;
    switch (request.command) {
        case AdminCommand::set_server:
            if (request.pool.empty() || request.address.empty() || (!request.state && !request.weight)) std::abort();
            if (request.weight && (*request.weight < 1 || *request.weight > 1000)) std::abort();
            break;
        case AdminCommand::add_server:
        case AdminCommand::replace_pool:
        case AdminCommand::replace_config:
            if (!request.payload.is_object()) std::abort();
            break;
        case AdminCommand::remove_server:
        case AdminCommand::server_status:
            if (request.pool.empty() || request.address.empty()) std::abort();
            break;
        default: break;
    }
    return 0;
}
