#include "agent/daemon/host_facts.h"

#include "agent/util/files.h"
#include "agent/util/proc.h"
#include "agent/util/run_command.h"

#include <arpa/inet.h>
#include <gnu/libc-version.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <sstream>

namespace fulcrum::agent {
namespace {

std::string os_release_value(const std::string& text, const std::string& key) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(key + "=", 0) != 0) continue;
        std::string value = line.substr(key.size() + 1);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        return value;
    }
    return {};
}

int prefix_length(const sockaddr* netmask, int family) {
    if (!netmask) return family == AF_INET ? 32 : 128;
    const auto* bytes = family == AF_INET
                            ? reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(netmask)->sin_addr)
                            : reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(netmask)->sin6_addr);
    const int size = family == AF_INET ? 4 : 16;
    int bits = 0;
    for (int i = 0; i < size; ++i) bits += std::popcount(static_cast<unsigned>(bytes[i]));
    return bits;
}

}  // namespace

std::vector<std::string> interface_addresses() {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return out;
    for (const ifaddrs* a = list; a && out.size() < kMaxInterfaceAddresses; a = a->ifa_next) {
        if (!a->ifa_addr) continue;
        const int family = a->ifa_addr->sa_family;
        char text[INET6_ADDRSTRLEN] = {};
        if (family == AF_INET) {
            ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
        } else if (family == AF_INET6) {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
            // fe80::/10 is the same on every link and means nothing without its interface.
            if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr)) continue;
            ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        } else {
            continue;
        }
        std::string entry = std::string(text) + "/" + std::to_string(prefix_length(a->ifa_netmask, family));
        if (std::find(out.begin(), out.end(), entry) == out.end()) out.push_back(std::move(entry));
    }
    ::freeifaddrs(list);
    return out;
}

bool has_passwordless_sudo() {
    return run_command({"sudo", "-n", "true"}, std::chrono::seconds(5)).ok();
}

protocol::HostFacts collect_host_facts() {
    protocol::HostFacts facts;
    char hostname[256] = {};
    if (::gethostname(hostname, sizeof hostname - 1) == 0) facts.hostname = hostname;
    struct utsname names {};
    if (::uname(&names) == 0) {
        facts.kernel = names.release;
        facts.arch = names.machine;
    }
    const auto os_release = read_small_file("/etc/os-release", 65536)
                                .value_or(read_small_file("/usr/lib/os-release", 65536).value_or(""));
    facts.os_name = os_release_value(os_release, "PRETTY_NAME");
    facts.os_id = os_release_value(os_release, "ID");
    facts.cores = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
    struct sysinfo info {};
    if (::sysinfo(&info) == 0) {
        facts.memory_bytes = static_cast<std::uint64_t>(info.totalram) * info.mem_unit;
        facts.uptime_s = static_cast<std::uint64_t>(info.uptime);
    }
    facts.boot_id = read_boot_id();
    facts.glibc = gnu_get_libc_version();
    facts.agent_version = FULCRUM_VERSION;
    facts.passwordless_sudo = has_passwordless_sudo();
    if (const passwd* user = ::getpwuid(::geteuid())) facts.user = user->pw_name;
    facts.addresses = interface_addresses();
    return facts;
}

}  // namespace fulcrum::agent
