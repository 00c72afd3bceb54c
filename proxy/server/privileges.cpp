#include "proxy/server/privileges.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace fulcrum::proxy::server {

namespace {

std::string why(const char* step) { return std::string(step) + " failed: " + std::strerror(errno); }

// "CapEff:\t0000000000000000" and friends: nothing may remain in any set.
bool capabilities_are_empty(std::string& error) {
    std::ifstream status("/proc/self/status");
    std::string line;
    bool seen = false;
    while (std::getline(status, line)) {
        for (const char* set : {"CapPrm:", "CapEff:", "CapAmb:"}) {
            if (line.rfind(set, 0) != 0) continue;
            seen = true;
            if (line.find_first_not_of("0\t ", std::strlen(set)) != std::string::npos) {
                error = std::string("capabilities remain after dropping root (") + line + ")";
                return false;
            }
        }
    }
    if (!seen) error = "cannot read capabilities from /proc/self/status";
    return seen;
}

}  // namespace

std::optional<Account> find_account(const std::string& name, std::string& error) {
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(static_cast<std::size_t>(size > 0 ? size : 16384));
    passwd entry{};
    passwd* found = nullptr;
    int rc = 0;
    while ((rc = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE &&
           buffer.size() < (1u << 20)) {
        buffer.resize(buffer.size() * 2);
    }
    if (rc != 0) {
        error = "cannot look up user '" + name + "': " + std::strerror(rc);
        return std::nullopt;
    }
    if (!found) {
        error = "there is no account named '" + name + "' (\"user\" in the config; create it, e.g. useradd --system " +
                name + ")";
        return std::nullopt;
    }
    if (found->pw_uid == 0) {
        error = "account '" + name + "' has uid 0: it is root under another name";
        return std::nullopt;
    }
    return Account{found->pw_name, found->pw_uid, found->pw_gid};
}

bool hand_over_file(const std::string& path, const Account& account, std::string& error) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW, 0640);
    if (fd < 0) {
        error = "cannot open '" + path + "': " + std::strerror(errno);
        return false;
    }
    struct stat info {};
    const bool regular = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
    const bool given = regular && ::fchown(fd, account.uid, account.gid) == 0;
    if (!given) error = "cannot give '" + path + "' to " + account.name + (regular ? ": " + std::string(std::strerror(errno)) : ": not a regular file");
    ::close(fd);
    return given;
}

bool drop_privileges(const Account& account, std::string& error) {
    if (::initgroups(account.name.c_str(), account.gid) != 0) {
        error = why("initgroups");
        return false;
    }
    if (::setresgid(account.gid, account.gid, account.gid) != 0) {
        error = why("setresgid");
        return false;
    }
    if (::setresuid(account.uid, account.uid, account.uid) != 0) {
        error = why("setresuid");
        return false;
    }
    uid_t ruid = 0, euid = 0, suid = 0;
    gid_t rgid = 0, egid = 0, sgid = 0;
    if (::getresuid(&ruid, &euid, &suid) != 0 || ::getresgid(&rgid, &egid, &sgid) != 0 || ruid != account.uid ||
        euid != account.uid || suid != account.uid || rgid != account.gid || egid != account.gid ||
        sgid != account.gid) {
        error = "the user and group ids did not all change to " + account.name + "'s";
        return false;
    }
    // The test that matters: if any way back to root were left, this would succeed.
    if (::setuid(0) == 0 || ::seteuid(0) == 0 || ::setgid(0) == 0) {
        error = "root could be regained after dropping to " + account.name;
        return false;
    }
    return capabilities_are_empty(error);
}

}  // namespace fulcrum::proxy::server
