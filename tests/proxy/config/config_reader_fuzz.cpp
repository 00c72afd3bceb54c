// libFuzzer target for the host config reader: never throws, never crashes, every error has
// a message, and what it accepts round-trips (read(write(c)) == c, write is a fixed point).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proxy/config/config_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace fulcrum::proxy::config;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ConfigLimits limits;
    limits.max_text_bytes = 256 * 1024;
    const auto result = read_config_text(text, limits);
    if (result.ok() != result.errors.empty()) std::abort();
    for (const auto& error : result.errors) {
        if (error.message.empty()) std::abort();
        (void)format_error(error, "fuzz.json");
    }
    if (!result.ok()) return 0;
    const auto written = to_json(*result.config);
    const auto again = read_config(written);
    if (!again.ok() || !(*again.config == *result.config)) std::abort();
    if (to_json(*again.config) != written) std::abort();
    return 0;
}
