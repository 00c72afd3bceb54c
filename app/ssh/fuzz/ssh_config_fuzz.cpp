// libFuzzer target: ~/.ssh/config text → parse, resolve, list importable hosts.
#include "app/ssh/ssh_config.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QByteArrayView text(reinterpret_cast<const char*>(data), qsizetype(size));
    const auto config = fulcrum::app::SshConfig::parse(text);
    config.resolve(QStringLiteral("web1.example.net"), QStringLiteral("/home/u"), QStringLiteral("u"));
    config.importableHosts(QStringLiteral("/home/u"), QStringLiteral("u"));
    return 0;
}
