#include "tests/support/simhost/host_init.h"

#include "tests/support/simhost/host_layout.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace fulcrum::testing::simhost {
namespace {

namespace fs = std::filesystem;

void log_line(const std::string& what) {
    std::fprintf(stderr, "[init %ld] %s\n", static_cast<long>(std::time(nullptr)), what.c_str());
    std::fflush(stderr);
}

bool mount_or_log(const char* source, const std::string& target, const char* type, unsigned long flags,
                  const char* data = nullptr) {
    if (::mount(source, target.c_str(), type, flags, data) == 0) return true;
    log_line(std::string("mount ") + (source ? source : "") + " on " + target + " failed: " + std::strerror(errno));
    return false;
}

bool bind(const fs::path& source, const std::string& target) {
    return mount_or_log(source.c_str(), target, nullptr, MS_BIND);
}

// The source and build trees may live under /tmp (a CI clone often does). Each host gets a
// fresh /tmp, which would hide them from workers and agents started inside the host, so they
// are opened before the tmpfs is mounted and bound back onto the same paths afterwards.
std::vector<std::pair<int, std::string>> hold_trees_under_tmp() {
    std::vector<std::pair<int, std::string>> held;
    for (const char* tree : {FULCRUM_SIMHOST_SOURCE_DIR, FULCRUM_SIMHOST_BINARY_DIR}) {
        std::error_code error;
        const fs::path real = fs::canonical(tree, error);
        if (error || real.string().rfind("/tmp/", 0) != 0) continue;
        const int fd = ::open(real.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            log_line("open " + real.string() + ": " + std::strerror(errno));
            continue;
        }
        held.emplace_back(fd, real.string());
    }
    return held;
}

bool restore_trees_under_tmp(const std::vector<std::pair<int, std::string>>& held) {
    bool ok = true;
    for (const auto& [fd, path] : held) {
        std::error_code error;
        fs::create_directories(path, error);
        ok = ok && !error && mount_or_log(("/proc/self/fd/" + std::to_string(fd)).c_str(), path, nullptr, MS_BIND | MS_REC);
        ::close(fd);
    }
    return ok;
}

struct Service {
    std::string name;
    std::vector<std::string> argv;
    bool as_user = false;
    pid_t pid = -1;
    int restarts = 0;
};

pid_t start_service(const HostLayout& layout, const Service& service, const passwd& user) {
    const std::string log_path = (layout.logs() / (service.name + ".log")).string();
    std::vector<char*> args;
    for (const auto& a : service.argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::string home = std::string("HOME=") + (service.as_user ? user.pw_dir : "/root");
    std::string user_env = std::string("USER=") + (service.as_user ? user.pw_name : "root");
    std::string path_env = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    std::vector<char*> env = {home.data(), user_env.data(), path_env.data(), nullptr};

    const pid_t pid = fork();
    if (pid != 0) return pid;
    setsid();
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (service.as_user) {
        if (initgroups(user.pw_name, user.pw_gid) != 0 || setgid(user.pw_gid) != 0 || setuid(user.pw_uid) != 0) {
            std::perror("dropping privileges");
            _exit(126);
        }
    }
    if (chdir("/") != 0) _exit(126);
    execve(args[0], args.data(), env.data());
    std::perror("execve");
    _exit(127);
}

}  // namespace

int run_init(const InitOptions& options) {
    const HostLayout layout{options.state};
    const passwd* found = getpwnam(kUser);
    if (found == nullptr) {
        log_line(std::string("no account ") + kUser + " (run resources/test-users.sh)");
        return 1;
    }
    const passwd user = *found;
    if (sethostname(options.hostname.data(), options.hostname.size()) != 0) {
        log_line(std::string("sethostname: ") + std::strerror(errno));
    }

    // Nothing mounted here may propagate back to the machine's real mount table.
    bool ok = mount_or_log(nullptr, "/", nullptr, MS_REC | MS_PRIVATE);
    // Bind sources live under the state directory, so bind before /tmp gets a fresh tmpfs.
    ok = ok && bind(layout.home(), user.pw_dir);
    ok = ok && bind(layout.cron_spool(), kCronSpoolInHost);
    ok = ok && bind(layout.system_crontab(), "/etc/crontab");
    ok = ok && bind(layout.empty_dir(), "/etc/cron.d");
    ok = ok && mount_or_log("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
    ok = ok && bind(layout.boot_id(), kBootIdInHost);
    ok = ok && mount_or_log(nullptr, kBootIdInHost, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY);
    ok = ok && mount_or_log("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    const auto trees_under_tmp = hold_trees_under_tmp();
    ok = ok && mount_or_log("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    ok = ok && restore_trees_under_tmp(trees_under_tmp);
    ok = ok && mount_or_log("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    if (!ok) return 1;
    // The host's own view of its network interfaces (/sys/class/net); optional.
    mount_or_log("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);

    ::mkdir("/run/sshd", 0755);
    ::mkdir("/run/lock", 01777);
    ::chmod("/run/lock", 01777);
    ::mkdir("/run/simhost", 0755);
    const int placeholder = ::open(kPowerFifoInHost, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (placeholder >= 0) ::close(placeholder);
    if (!bind(layout.power_fifo(), kPowerFifoInHost)) return 1;

    std::vector<Service> services = {
        {"sshd", {"/usr/sbin/sshd", "-D", "-e", "-f", layout.sshd_config().string()}, true},
        {"cron", {"/usr/sbin/cron", "-f"}, false},
    };
    for (auto& service : services) {
        service.pid = start_service(layout, service, user);
        log_line("started " + service.name + " as pid " + std::to_string(service.pid));
    }

    // PID 1: reap everything, restart a service that died (at most a few times).
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            continue;
        }
        for (auto& service : services) {
            if (service.pid != pid) continue;
            log_line(service.name + " exited with status " + std::to_string(status));
            if (service.restarts++ < 5) {
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
                service.pid = start_service(layout, service, user);
            } else {
                service.pid = -1;
            }
        }
    }
}

}  // namespace fulcrum::testing::simhost
