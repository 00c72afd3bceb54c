// The platform check's parser and verdicts, on answers real and hostile hosts give.
#include "app/deploy/agent_installer.h"
#include "app/deploy/platform_probe.h"
#include "app/rpc/agent_locator.h"

#include <QProcess>

#include <gtest/gtest.h>

namespace fulcrum::app {
namespace {

const AgentRequirements kAgent{QStringLiteral("x86_64"), QStringLiteral("2.34")};

HostPlatform parse(const QByteArray& text) {
    QString error;
    const auto p = parsePlatformProbe(text, &error);
    EXPECT_TRUE(p.has_value()) << error.toStdString();
    return p.value_or(HostPlatform{});
}

TEST(PlatformProbe, ReadsDebianThroughALoginBanner) {
    const auto p = parse("Welcome to web1!\nfulcrum-probe-os=fake\n"
                         "fulcrum-probe-os=Linux\nfulcrum-probe-arch=x86_64\nfulcrum-probe-glibc=glibc 2.36\n"
                         "fulcrum-probe-ldd=ldd (Debian GLIBC 2.36-9+deb12u4) 2.36\nfulcrum-probe-home=/home/ada\n"
                         "fulcrum-probe-sha256sum=yes\nfulcrum-probe-end=1\n");
    EXPECT_EQ(p.os, QStringLiteral("Linux"));
    EXPECT_EQ(p.glibc, QStringLiteral("2.36"));
    EXPECT_EQ(p.home, QStringLiteral("/home/ada"));
    EXPECT_EQ(checkSupported(p, kAgent, QStringLiteral("web1")), QString());
}

TEST(PlatformProbe, RefusesWhatTheAgentCannotRunOn) {
    auto debian = parse("fulcrum-probe-os=Linux\nfulcrum-probe-arch=x86_64\nfulcrum-probe-glibc=glibc 2.36\n"
                        "fulcrum-probe-home=/root\nfulcrum-probe-sha256sum=yes\nfulcrum-probe-end=1\n");
    auto alpine = parse("fulcrum-probe-os=Linux\r\nfulcrum-probe-arch=x86_64\r\nfulcrum-probe-glibc=\r\n"
                        "fulcrum-probe-ldd=musl libc (x86_64)\r\nfulcrum-probe-home=/root\r\nfulcrum-probe-sha256sum=yes\r\n"
                        "fulcrum-probe-end=1\r\n");
    EXPECT_TRUE(checkSupported(alpine, kAgent, QStringLiteral("a")).contains(QStringLiteral("musl")));
    auto mac = debian;
    mac.os = QStringLiteral("Darwin");
    EXPECT_TRUE(checkSupported(mac, kAgent, QStringLiteral("m")).contains(QStringLiteral("Linux only")));
    auto arm = debian;
    arm.arch = QStringLiteral("aarch64");
    EXPECT_TRUE(checkSupported(arm, kAgent, QStringLiteral("pi")).contains(QStringLiteral("aarch64")));
    auto old = parse("fulcrum-probe-os=Linux\nfulcrum-probe-arch=x86_64\nfulcrum-probe-glibc=\n"
                     "fulcrum-probe-ldd=ldd (GNU libc) 2.17\nfulcrum-probe-home=/root\nfulcrum-probe-sha256sum=yes\n"
                     "fulcrum-probe-end=1\n");
    EXPECT_EQ(old.glibc, QStringLiteral("2.17"));
    const QString refusal = checkSupported(old, kAgent, QStringLiteral("c7"));
    EXPECT_TRUE(refusal.contains(QStringLiteral("glibc 2.17")) && refusal.contains(QStringLiteral("2.34"))) << refusal.toStdString();
    const AgentRequirements withOpenSsl{QStringLiteral("x86_64"), QStringLiteral("2.34"), true};
    EXPECT_TRUE(checkSupported(debian, withOpenSsl, QStringLiteral("s")).contains(QStringLiteral("libssl.so.3")));
    auto withSsl = debian;
    withSsl.libssl3 = true;
    EXPECT_EQ(checkSupported(withSsl, withOpenSsl, QStringLiteral("s")), QString());
    auto noHash = debian;
    noHash.sha256sum = false;
    EXPECT_TRUE(checkSupported(noHash, kAgent, QStringLiteral("h")).contains(QStringLiteral("sha256sum")));
}

TEST(PlatformProbe, RejectsHostileOrTruncatedAnswers) {
    QString error;
    EXPECT_FALSE(parsePlatformProbe("fulcrum-probe-os=Linux\n", &error));  // no end marker
    EXPECT_FALSE(error.isEmpty());
    EXPECT_FALSE(parsePlatformProbe("fulcrum-probe-os=Linux\nfulcrum-probe-arch=x86_64; rm -rf /\n"
                                    "fulcrum-probe-home=/h\nfulcrum-probe-end=1\n",
                                    &error));
    EXPECT_FALSE(parsePlatformProbe("fulcrum-probe-os=Linux\nfulcrum-probe-arch=x86_64\nfulcrum-probe-home=relative\n"
                                    "fulcrum-probe-end=1\n",
                                    &error));
    EXPECT_FALSE(parsePlatformProbe(QByteArray(100 * 1024, 'x') + "\nfulcrum-probe-end=1\n", &error));
}

TEST(PlatformProbe, ComparesVersionsNumerically) {
    EXPECT_LT(compareVersions(QStringLiteral("2.9"), QStringLiteral("2.36")), 0);
    EXPECT_EQ(compareVersions(QStringLiteral("2.36"), QStringLiteral("2.36.0")), 0);
    EXPECT_GT(compareVersions(QStringLiteral("10.0"), QStringLiteral("9.99")), 0);
}

TEST(PlatformProbe, ReadsTheBundledAgentsNeeds) {
    const QString agent = locateAgentBinary().path;
    ASSERT_FALSE(agent.isEmpty());
    QString error;
    const auto needs = readAgentRequirements(agent, &error);
    ASSERT_TRUE(needs) << error.toStdString();
    EXPECT_EQ(needs->arch, QStringLiteral("x86_64"));
    EXPECT_GE(compareVersions(needs->minGlibc, QStringLiteral("2.2.5")), 0);
    // This machine runs the agent, so its own glibc must satisfy the requirement.
    QProcess getconf;
    getconf.start(QStringLiteral("getconf"), {QStringLiteral("GNU_LIBC_VERSION")});
    ASSERT_TRUE(getconf.waitForFinished(5000));
    const QString local = QString::fromLatin1(getconf.readAllStandardOutput()).trimmed().section(QLatin1Char(' '), 1);
    EXPECT_LE(compareVersions(needs->minGlibc, local), 0) << needs->minGlibc.toStdString() << " vs " << local.toStdString();
    EXPECT_FALSE(readAgentRequirements(QStringLiteral("/etc/hostname"), &error));
}

TEST(AgentInstallerHelpers, QuotesForTheShellAndReadsVersions) {
    EXPECT_EQ(shellQuote(QStringLiteral("/home/o'brien/x")), QByteArray("'/home/o'\\''brien/x'"));
    EXPECT_EQ(parseAgentVersion("fulcrum-agent 0.1.0\n"), QStringLiteral("0.1.0"));
    EXPECT_EQ(parseAgentVersion("bash: fulcrum-agent: not found\n"), QString());
    EXPECT_EQ(parseAgentVersion("fulcrum-agent 0.1.0; rm -rf /\n"), QString());
}

}  // namespace
}  // namespace fulcrum::app
