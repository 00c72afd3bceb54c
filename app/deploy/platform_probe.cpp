#include "app/deploy/platform_probe.h"

#include <QFile>
#include <QList>
#include <QRegularExpression>

namespace fulcrum::app {

const char* const kPlatformProbeCommand =
    "printf 'fulcrum-probe-os=%s\\n' \"$(uname -s)\"; "
    "printf 'fulcrum-probe-arch=%s\\n' \"$(uname -m)\"; "
    "printf 'fulcrum-probe-glibc=%s\\n' \"$(getconf GNU_LIBC_VERSION 2>/dev/null)\"; "
    "printf 'fulcrum-probe-ldd=%s\\n' \"$(ldd --version 2>&1 | head -n 1)\"; "
    "printf 'fulcrum-probe-home=%s\\n' \"$HOME\"; "
    "if command -v sha256sum >/dev/null 2>&1; then echo fulcrum-probe-sha256sum=yes; fi; "
    "for d in /lib /usr/lib /lib64 /usr/lib64 /lib/*-linux-gnu /usr/lib/*-linux-gnu; do "
    "if [ -e \"$d/libssl.so.3\" ]; then echo fulcrum-probe-libssl3=yes; break; fi; done; "
    "echo fulcrum-probe-end=1";

namespace {

constexpr qsizetype kMaxProbeBytes = 64 * 1024;
constexpr qsizetype kMaxFieldChars = 4096;

QString field(const QList<QByteArray>& lines, const QByteArray& key) {
    const QByteArray prefix = "fulcrum-probe-" + key + "=";
    // The last occurrence wins: only our printf comes after anything a login script printed.
    for (auto it = lines.crbegin(); it != lines.crend(); ++it) {
        if (it->startsWith(prefix)) return QString::fromUtf8(it->mid(prefix.size()).left(kMaxFieldChars)).trimmed();
    }
    return {};
}

bool plainToken(const QString& s) {
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_.+-]{1,64}$"));
    return re.match(s).hasMatch();
}

}  // namespace

std::optional<HostPlatform> parsePlatformProbe(const QByteArray& output, QString* error) {
    auto fail = [&](const QString& why) -> std::optional<HostPlatform> {
        if (error) *error = why;
        return std::nullopt;
    };
    if (output.size() > kMaxProbeBytes) return fail(QStringLiteral("The host's answer to the platform check was too long."));
    QList<QByteArray> lines = output.split('\n');
    for (auto& line : lines) {
        if (line.endsWith('\r')) line.chop(1);
    }
    if (field(lines, "end") != QStringLiteral("1")) {
        return fail(QStringLiteral("The host did not answer the platform check (is its login shell a POSIX shell?)."));
    }
    HostPlatform p;
    p.os = field(lines, "os");
    p.arch = field(lines, "arch");
    p.home = field(lines, "home");
    p.sha256sum = field(lines, "sha256sum") == QStringLiteral("yes");
    p.libssl3 = field(lines, "libssl3") == QStringLiteral("yes");
    if (!plainToken(p.os)) return fail(QStringLiteral("The host reported no readable operating system name (uname -s)."));
    if (!plainToken(p.arch)) return fail(QStringLiteral("The host reported no readable architecture (uname -m)."));
    if (!p.home.startsWith(QLatin1Char('/')) || p.home.contains(QLatin1Char('\0'))) {
        return fail(QStringLiteral("The host reported no absolute home directory ($HOME)."));
    }
    const QString getconf = field(lines, "glibc");  // "glibc 2.36"
    const QString ldd = field(lines, "ldd");         // "ldd (Debian GLIBC 2.36-9+deb12u4) 2.36" or "musl libc (x86_64)"
    static const QRegularExpression glibcRe(QStringLiteral("^glibc (\\d{1,3}\\.\\d{1,4})"));
    static const QRegularExpression lddRe(QStringLiteral("(?:GLIBC|GNU libc).*?(\\d{1,3}\\.\\d{1,4})\\s*$"), QRegularExpression::CaseInsensitiveOption);
    if (const auto m = glibcRe.match(getconf); m.hasMatch()) {
        p.libc = QStringLiteral("glibc");
        p.glibc = m.captured(1);
    } else if (ldd.contains(QStringLiteral("musl"), Qt::CaseInsensitive)) {
        p.libc = QStringLiteral("musl");
    } else if (const auto m2 = lddRe.match(ldd); m2.hasMatch()) {
        p.libc = QStringLiteral("glibc");
        p.glibc = m2.captured(1);
    } else {
        p.libc = QStringLiteral("unknown");
    }
    return p;
}

int compareVersions(const QString& a, const QString& b) {
    const QStringList pa = a.split(QLatin1Char('.')), pb = b.split(QLatin1Char('.'));
    for (qsizetype i = 0; i < std::max(pa.size(), pb.size()); ++i) {
        const int x = i < pa.size() ? pa[i].toInt() : 0;
        const int y = i < pb.size() ? pb[i].toInt() : 0;
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}

std::optional<AgentRequirements> readAgentRequirements(const QString& agentPath, QString* error) {
    QFile file(agentPath);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("Cannot read %1: %2").arg(agentPath, file.errorString());
        return std::nullopt;
    }
    const QByteArray bytes = file.readAll();
    if (bytes.size() < 20 || !bytes.startsWith("\x7f" "ELF")) {
        if (error) *error = QStringLiteral("%1 is not a Linux program (no ELF header).").arg(agentPath);
        return std::nullopt;
    }
    AgentRequirements r;
    // e_machine at offset 18, little-endian on every architecture Fulcrum builds for.
    const quint16 machine = quint16(quint8(bytes[18])) | quint16(quint8(bytes[19])) << 8;
    switch (machine) {
    case 62: r.arch = QStringLiteral("x86_64"); break;
    case 183: r.arch = QStringLiteral("aarch64"); break;
    case 40: r.arch = QStringLiteral("armv7l"); break;
    case 243: r.arch = QStringLiteral("riscv64"); break;
    default: r.arch = QStringLiteral("machine-%1").arg(machine);
    }
    // Version names of the glibc symbols the binary uses ("GLIBC_2.34"), found by a byte
    // scan: converting 20 MB to a QString for a regex took seconds.
    r.minGlibc = QStringLiteral("2.0");
    r.needsLibssl3 = bytes.contains("libssl.so.3");
    static const QByteArray tag("GLIBC_");
    for (qsizetype at = bytes.indexOf(tag); at >= 0; at = bytes.indexOf(tag, at + tag.size())) {
        qsizetype end = at + tag.size();
        while (end < bytes.size() && end - at < 24 && ((bytes[end] >= '0' && bytes[end] <= '9') || bytes[end] == '.')) ++end;
        const QString v = QString::fromLatin1(bytes.mid(at + tag.size(), end - at - tag.size()));
        if (!v.isEmpty() && v.front().isDigit() && compareVersions(v, r.minGlibc) > 0) r.minGlibc = v;
    }
    return r;
}

QString checkSupported(const HostPlatform& host, const AgentRequirements& agent, const QString& hostName) {
    if (host.os != QStringLiteral("Linux")) {
        return QStringLiteral("%1 runs %2; fulcrum-agent runs on Linux only.").arg(hostName, host.os);
    }
    if (host.arch != agent.arch) {
        return QStringLiteral("%1 is a %2 machine, but this Fulcrum ships a fulcrum-agent for %3. Install a Fulcrum "
                              "build for %2 to manage it.")
            .arg(hostName, host.arch, agent.arch);
    }
    if (host.libc == QStringLiteral("musl")) {
        return QStringLiteral("%1 uses the musl C library (e.g. Alpine Linux); fulcrum-agent needs glibc %2 or newer.")
            .arg(hostName, agent.minGlibc);
    }
    if (host.libc != QStringLiteral("glibc")) {
        return QStringLiteral("Could not tell which C library %1 uses (getconf GNU_LIBC_VERSION and ldd --version "
                              "gave nothing usable); fulcrum-agent needs glibc %2 or newer.")
            .arg(hostName, agent.minGlibc);
    }
    if (compareVersions(host.glibc, agent.minGlibc) < 0) {
        return QStringLiteral("%1 has glibc %2, but fulcrum-agent needs glibc %3 or newer. Upgrade the host's "
                              "distribution (e.g. Debian 12, Ubuntu 24.04).")
            .arg(hostName, host.glibc, agent.minGlibc);
    }
    if (agent.needsLibssl3 && !host.libssl3) {
        return QStringLiteral("%1 has no OpenSSL 3 library (libssl.so.3), which fulcrum-agent needs. Install it "
                              "(Debian/Ubuntu: apt install libssl3) and deploy again.")
            .arg(hostName);
    }
    if (!host.sha256sum) {
        return QStringLiteral("%1 has no sha256sum command (GNU coreutils), which Fulcrum needs to verify the "
                              "uploaded agent.")
            .arg(hostName);
    }
    return {};
}

}  // namespace fulcrum::app
