#pragma once
// What a host runs, read from the output of one shell command over SSH, and whether the
// bundled fulcrum-agent can run there. The output is hostile input: bounded, parsed line by
// line, never trusted beyond the fields below.

#include <QByteArray>
#include <QString>

#include <optional>
#include <variant>

namespace fulcrum::app {

// The command whose output parsePlatformProbe() reads. Plain POSIX sh; each answer is tagged
// so a chatty login shell (motd, echo in .bashrc) cannot be mistaken for one.
extern const char* const kPlatformProbeCommand;

struct HostPlatform {
    QString os;      // uname -s: "Linux"
    QString arch;    // uname -m: "x86_64", "aarch64"
    QString libc;    // "glibc", "musl" or "unknown"
    QString glibc;   // "2.36" when libc is glibc
    QString home;    // $HOME, absolute
    bool sha256sum = false;  // the host has sha256sum (coreutils)
    bool libssl3 = false;    // libssl.so.3 is in one of the usual library directories
};

// nullopt and `error` when the output is not a probe answer.
std::optional<HostPlatform> parsePlatformProbe(const QByteArray& output, QString* error);

// What the bundled agent needs.
struct AgentRequirements {
    QString arch;       // the agent binary's architecture, in uname -m spelling
    QString minGlibc;   // the highest GLIBC_x.y symbol version the binary references
    bool needsLibssl3 = false;  // linked against OpenSSL 3 (libssl.so.3)
};

// Reads the ELF header and the GLIBC_ version strings of the agent binary on this computer.
std::optional<AgentRequirements> readAgentRequirements(const QString& agentPath, QString* error);

// "" when the agent can run there, else a plain-language refusal naming what is wrong.
QString checkSupported(const HostPlatform& host, const AgentRequirements& agent, const QString& hostName);

// Compares dotted versions numerically ("2.9" < "2.36"); non-numbers compare as 0.
int compareVersions(const QString& a, const QString& b);

}  // namespace fulcrum::app
