#include "tests/support/simhost/machine.h"

#include "tests/support/simhost/host_layout.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>

namespace fulcrum::testing::simhost {
namespace {

namespace fs = std::filesystem;

void log_line(const std::string& what) {
    std::fprintf(stderr, "[machine %ld] %s\n", static_cast<long>(std::time(nullptr)), what.c_str());
    std::fflush(stderr);
}

// The harness polls these files, so they must never be seen half-written.
void write_atomically(const fs::path& path, const std::string& content) {
    const fs::path temp = path.string() + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        out << content;
    }
    fs::rename(temp, path);
}

std::string fresh_uuid() {
    std::ifstream in("/proc/sys/kernel/random/uuid");
    std::string uuid;
    std::getline(in, uuid);
    return uuid;
}

struct CloneArgs {
    std::string self;
    MachineOptions options;
};

int init_entry(void* raw) {
    const auto* args = static_cast<const CloneArgs*>(raw);
    // The host dies with its machine, whatever killed the machine.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const std::string init_log = (HostLayout{args->options.state}.logs() / "init.log").string();
    const int log_fd = ::open(init_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd >= 0) {
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
    }
    const std::string state = args->options.state.string();
    const char* argv[] = {args->self.c_str(),       "init", "--state", state.c_str(),
                          "--hostname", args->options.hostname.c_str(), nullptr};
    execv(args->self.c_str(), const_cast<char* const*>(argv));
    std::perror("execv init");
    return 127;
}

class Machine {
public:
    explicit Machine(MachineOptions options) : m_options(std::move(options)), m_layout{m_options.state} {}

    int run() {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != m_options.parent) return 1;  // the test is already gone
        m_self = fs::read_symlink("/proc/self/exe").string();

        const int netns = ::open(m_options.netns_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (netns < 0 || setns(netns, CLONE_NEWNET) != 0) {
            log_line("cannot join " + m_options.netns_path + ": " + std::strerror(errno));
            return 1;
        }
        ::close(netns);

        sigset_t handled;
        sigemptyset(&handled);
        for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGUSR1}) sigaddset(&handled, sig);
        sigprocmask(SIG_BLOCK, &handled, nullptr);
        m_signals = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
        // O_RDWR: the FIFO always has a writer, so reads never see EOF between requests.
        m_power = ::open(m_layout.power_fifo().c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (m_signals < 0 || m_power < 0) {
            log_line(std::string("signalfd/power fifo: ") + std::strerror(errno));
            return 1;
        }

        if (!boot()) return 1;
        for (;;) {
            std::array<pollfd, 2> fds{{{m_signals, POLLIN, 0}, {m_power, POLLIN, 0}}};
            if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return 1;
            signalfd_siginfo info{};
            while (::read(m_signals, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
                switch (info.ssi_signo) {
                case SIGTERM:
                case SIGINT:
                    power_off();
                    log_line("powered off");
                    return 0;
                case SIGUSR1:
                    if (!reboot()) return 1;
                    break;
                case SIGCHLD:
                    if (!init_alive()) {
                        log_line("init died on its own; see init.log");
                        return 2;
                    }
                    break;
                default:
                    break;
                }
            }
            std::array<char, 256> request{};
            const ssize_t n = ::read(m_power, request.data(), request.size());
            if (n > 0) {
                const std::string text(request.data(), static_cast<std::size_t>(n));
                if (text.find("poweroff") != std::string::npos) {
                    power_off();
                    log_line("powered off from inside the host");
                    return 0;
                }
                if (text.find("reboot") != std::string::npos && !reboot()) return 1;
            }
        }
    }

private:
    bool init_alive() {
        if (m_init <= 0) return false;
        int status = 0;
        const pid_t r = ::waitpid(m_init, &status, WNOHANG);
        if (r == m_init) {
            m_init = -1;
            return false;
        }
        return true;
    }

    void power_off() {
        if (m_init <= 0) return;
        // Killing a PID namespace's init kills every process in it; waitpid returns only after
        // the kernel has reaped them all, so "down" really means nothing of the host is left.
        ::kill(m_init, SIGKILL);
        int status = 0;
        while (::waitpid(m_init, &status, 0) < 0 && errno == EINTR) {
        }
        m_init = -1;
    }

    bool reboot() {
        log_line("reboot requested");
        power_off();
        std::this_thread::sleep_for(std::chrono::milliseconds(m_options.down_ms));
        return boot();
    }

    bool boot() {
        write_atomically(m_layout.boot_id(), fresh_uuid() + "\n");
        static CloneArgs args;
        args = CloneArgs{m_self, m_options};
        alignas(16) static std::array<char, 256 * 1024> stack;
        const int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
        m_init = clone(init_entry, stack.data() + stack.size(), flags, &args);
        if (m_init < 0) {
            log_line(std::string("clone: ") + std::strerror(errno));
            return false;
        }
        ++m_boots;
        write_atomically(m_layout.init_pid(), std::to_string(m_init) + "\n");
        write_atomically(m_layout.boot_count(), std::to_string(m_boots) + "\n");
        log_line("boot " + std::to_string(m_boots) + ": init is pid " + std::to_string(m_init));
        return true;
    }

    MachineOptions m_options;
    HostLayout m_layout;
    std::string m_self;
    int m_signals = -1;
    int m_power = -1;
    pid_t m_init = -1;
    int m_boots = 0;
};

}  // namespace

int run_machine(const MachineOptions& options) { return Machine(options).run(); }

}  // namespace fulcrum::testing::simhost
