// libFuzzer target: known_hosts text and destinations, both typed or written by others.
#include "app/ssh/destination.h"
#include "app/ssh/known_hosts.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QByteArrayView text(reinterpret_cast<const char*>(data), qsizetype(size));
    const auto known = fulcrum::app::KnownHosts::parse(text);
    known.check(QStringLiteral("web1"), 22, "ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIHm5ozEZ0BMQ4uBrt3Xo4kO7TQ5e0W8WtVd8FLOeD7Yn");
    known.check(QStringLiteral("10.0.0.1"), 2222, "ssh-rsa", "AAAA");
    const auto firstLine = text.first(std::min<qsizetype>(text.size(), 300));
    fulcrum::app::parseDestination(QString::fromUtf8(firstLine));
    return 0;
}
