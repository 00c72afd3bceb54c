// libFuzzer target: the host's answer to the platform check and to `fulcrum-agent version`,
// both written by a server Fulcrum does not trust yet.
#include "app/deploy/agent_installer.h"
#include "app/deploy/platform_probe.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QByteArray text(reinterpret_cast<const char*>(data), qsizetype(size));
    QString error;
    if (const auto platform = fulcrum::app::parsePlatformProbe(text, &error)) {
        const fulcrum::app::AgentRequirements agent{QStringLiteral("x86_64"), QStringLiteral("2.34")};
        (void)fulcrum::app::checkSupported(*platform, agent, QStringLiteral("fuzz"));
        (void)fulcrum::app::compareVersions(platform->glibc, agent.minGlibc);
    }
    (void)fulcrum::app::parseAgentVersion(text);
    return 0;
}
