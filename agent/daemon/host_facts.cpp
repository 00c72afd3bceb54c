#include "agent/daemon/host_facts.h"

#include "agent/util/files.h"
#include "agent/util/proc.h"
#include "agent/util/run_command.h"

#include <gnu/libc-version.h>
#include <pwd.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

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

}  // namespace

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
    return facts;
}

}  // namespace fulcrum::agent
