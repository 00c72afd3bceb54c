// libFuzzer target: the host list file, which other programs, sync tools and damaged disks
// can change under the panel.
#include "app/inventory/inventory.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QByteArray text(reinterpret_cast<const char*>(data), qsizetype(size));
    auto result = fulcrum::app::Inventory::parse(text, QStringLiteral("fuzz.json"));
    if (auto* inventory = std::get_if<fulcrum::app::Inventory>(&result)) {
        // What was accepted must be written and read back to the same hosts.
        const auto again = fulcrum::app::Inventory::parse(inventory->toJson(), QStringLiteral("again.json"));
        if (!std::holds_alternative<fulcrum::app::Inventory>(again) ||
            std::get<fulcrum::app::Inventory>(again).hosts() != inventory->hosts()) {
            __builtin_trap();
        }
    }
    return 0;
}
