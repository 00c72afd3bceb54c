#include "tests/support/simhost/lab.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fulcrum::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kRunDir = "/run/fulcrum-simhost";
constexpr const char* kStateBase = "/var/tmp/fulcrum-simhost";
constexpr int kSlots = 256;

std::string netns_prefix(int slot) { return "fsim-" + std::to_string(slot) + "-"; }
std::string root_link(int slot) { return "fsim" + std::to_string(slot); }
fs::path slot_state(int slot) { return fs::path(kStateBase) / std::to_string(slot); }
fs::path slot_lock(int slot) { return fs::path(kRunDir) / ("slot-" + std::to_string(slot) + ".lock"); }

std::string read_whole(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

void write_file(const fs::path& path, const std::string& content, mode_t mode) {
    {
        std::ofstream out(path, std::ios::trunc);
        out << content;
        if (!out) throw std::runtime_error("simhost: cannot write " + path.string());
    }
    ::chmod(path.c_str(), mode);
}

void chown_to(const fs::path& path, uid_t uid, gid_t gid) {
    if (::chown(path.c_str(), uid, gid) != 0) {
        throw std::runtime_error("simhost: chown " + path.string() + ": " + std::strerror(errno));
    }
}

void ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    run_or_throw(argv, 10s);
}

// Tries to take a slot's lock; returns the fd or -1 when another live run holds it.
int try_lock_slot(int slot) {
    const int fd = ::open(slot_lock(slot).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error(std::string("simhost: lock file: ") + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::vector<std::string> netns_names_of(int slot) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/run/netns", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(netns_prefix(slot), 0) == 0) names.push_back(name);
    }
    return names;
}

// Everything a run in this slot may have left: processes in its namespaces (the machines
// joined them too), the namespaces, the root-side link, the state directory.
void clean_slot(int slot) {
    for (const auto& ns : netns_names_of(slot)) {
        const CommandResult pids = run_command({"ip", "netns", "pids", ns}, 10s);
        std::istringstream in(pids.out);
        pid_t pid = 0;
        while (in >> pid) ::kill(pid, SIGKILL);
    }
    // Give the kernel a moment to reap the killed namespaces' processes.
    for (const auto& ns : netns_names_of(slot)) {
        for (int i = 0; i < 50; ++i) {
            const CommandResult pids = run_command({"ip", "netns", "pids", ns}, 10s);
            if (trimmed(pids.out).empty()) break;
            std::this_thread::sleep_for(20ms);
        }
        run_command({"ip", "netns", "del", ns}, 10s);
    }
    run_command({"ip", "link", "del", root_link(slot)}, 10s);
    std::error_code ec;
    fs::remove_all(slot_state(slot), ec);
}

bool subnet_is_free(int slot) {
    const std::string subnet = "198.18." + std::to_string(slot) + ".0/24";
    const CommandResult inside = run_command({"ip", "-4", "-o", "route", "show", "root", subnet}, 10s);
    if (!trimmed(inside.out).empty()) return false;
    const CommandResult covering = run_command({"ip", "-4", "-o", "route", "show", "match", subnet}, 10s);
    std::istringstream lines(covering.out);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.rfind("default", 0) != 0) return false;
    }
    return true;
}

struct Account {
    uid_t pw_uid;
    gid_t pw_gid;
    std::string pw_name;
    std::string pw_dir;
};

const Account& test_account() {
    static const Account account = [] {
        const passwd* p = getpwnam(simhost::kUser);
        if (p == nullptr) {
            throw std::runtime_error(std::string("simhost: no account ") + simhost::kUser +
                                     " (run resources/test-users.sh)");
        }
        return Account{p->pw_uid, p->pw_gid, p->pw_name, p->pw_dir};
    }();
    return account;
}

bool ssh_banner(const std::string& address, int port, std::chrono::milliseconds timeout) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
    bool ok = false;
    const auto deadline = Clock::now() + timeout;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 || errno == EINPROGRESS) {
        std::string got;
        while (Clock::now() < deadline && got.size() < 4) {
            pollfd p{fd, POLLIN, 0};
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) break;
            char buffer[64];
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n <= 0) break;
            got.append(buffer, static_cast<std::size_t>(n));
        }
        ok = got.rfind("SSH-", 0) == 0;
    }
    ::close(fd);
    return ok;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

SimHost::SimHost(std::string name, std::string address, std::string netns, fs::path state)
    : m_name(std::move(name)), m_address(std::move(address)), m_netns(std::move(netns)), m_layout{std::move(state)} {
    const Account& user = test_account();
    const gid_t crontab_group = [] {
        const group* g = getgrnam("crontab");
        if (g == nullptr) throw std::runtime_error("simhost: no group crontab (is Debian's cron installed?)");
        return g->gr_gid;
    }();
    fs::create_directories(m_layout.root);
    for (const auto& dir : {m_layout.logs(), m_layout.empty_dir()}) {
        fs::create_directories(dir);
        ::chmod(dir.c_str(), 0755);
    }
    // The "disk": home and cron spool survive reboots; ownership and modes as Debian has them.
    fs::create_directories(m_layout.home() / ".ssh");
    chown_to(m_layout.home(), user.pw_uid, user.pw_gid);
    ::chmod(m_layout.home().c_str(), 0755);
    chown_to(m_layout.home() / ".ssh", user.pw_uid, user.pw_gid);
    ::chmod((m_layout.home() / ".ssh").c_str(), 0700);
    fs::create_directories(m_layout.cron_spool());
    chown_to(m_layout.cron_spool(), 0, crontab_group);
    ::chmod(m_layout.cron_spool().c_str(), 01730);
    write_file(m_layout.system_crontab(), "# simulated host: no system cron jobs\n", 0644);
    if (::mkfifo(m_layout.power_fifo().c_str(), 0622) != 0 && errno != EEXIST) {
        throw std::runtime_error("simhost: mkfifo: " + std::string(std::strerror(errno)));
    }
    ::chmod(m_layout.power_fifo().c_str(), 0622);

    fs::create_directories(m_layout.sshd_dir());
    run_or_throw({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "simhost-" + m_name, "-f",
                  m_layout.host_key().string()});
    const std::string config =
        "Port " + std::to_string(simhost::kSshPort) + "\n" + "HostKey " + m_layout.host_key().string() +
        "\n"
        "PidFile none\n"
        "UsePAM no\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PubkeyAuthentication yes\n"
        "AuthorizedKeysFile .ssh/authorized_keys\n"
        "Subsystem sftp internal-sftp\n"
        "MaxStartups 100:30:200\n"
        "MaxSessions 50\n"
        "PrintMotd no\n"
        "LogLevel VERBOSE\n";
    write_file(m_layout.sshd_config(), config, 0644);
    for (const auto& f : {m_layout.sshd_dir(), m_layout.host_key(), fs::path(m_layout.host_key().string() + ".pub"),
                          m_layout.sshd_config()}) {
        chown_to(f, user.pw_uid, user.pw_gid);
    }
}

SimHost::~SimHost() { power_off(); }

std::string SimHost::host_public_key() const {
    std::istringstream in(read_whole(m_layout.host_key().string() + ".pub"));
    std::string type, key;
    in >> type >> key;
    return type + " " + key;
}

void SimHost::power_on(const std::string& machine_binary, std::chrono::milliseconds down_time) {
    const std::string parent = std::to_string(::getpid());
    const std::string down = std::to_string(down_time.count());
    const std::string log = (m_layout.logs() / "machine.log").string();
    const std::string state = m_layout.root.string();
    const std::string netns = "/run/netns/" + m_netns;
    std::vector<const char*> argv = {machine_binary.c_str(), "machine",  "--state",    state.c_str(),
                                     "--hostname",           m_name.c_str(), "--netns", netns.c_str(),
                                     "--parent",             parent.c_str(), "--down-ms", down.c_str(),
                                     nullptr};
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("simhost: fork: " + std::string(std::strerror(errno)));
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        dup2(null_fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execv(argv[0], const_cast<char* const*>(argv.data()));
        _exit(127);
    }
    m_machine = pid;
    const auto deadline = Clock::now() + 20s;
    while (boot_count() < 1) {
        int status = 0;
        if (::waitpid(m_machine, &status, WNOHANG) == m_machine) {
            m_machine = -1;
            throw std::runtime_error("simhost " + m_name + ": machine exited at boot:\n" +
                                     read_whole(m_layout.logs() / "machine.log"));
        }
        if (Clock::now() > deadline) throw std::runtime_error("simhost " + m_name + ": no boot");
        std::this_thread::sleep_for(10ms);
    }
    if (!wait_for_ssh(20s)) {
        throw std::runtime_error("simhost " + m_name + ": sshd does not answer after boot; init.log:\n" +
                                 read_whole(m_layout.logs() / "init.log") + "sshd.log:\n" +
                                 read_whole(m_layout.logs() / "sshd.log"));
    }
}

void SimHost::power_off() {
    if (m_machine <= 0) return;
    ::kill(m_machine, SIGTERM);
    int status = 0;
    for (int i = 0; i < 250; ++i) {
        if (::waitpid(m_machine, &status, WNOHANG) == m_machine) {
            m_machine = -1;
            return;
        }
        std::this_thread::sleep_for(20ms);
    }
    // The machine's death SIGKILLs the host's init (PR_SET_PDEATHSIG).
    ::kill(m_machine, SIGKILL);
    ::waitpid(m_machine, &status, 0);
    m_machine = -1;
}

void SimHost::reboot(std::chrono::milliseconds timeout) {
    if (m_machine <= 0) throw std::logic_error("simhost " + m_name + ": reboot while powered off");
    const int before = boot_count();
    ::kill(m_machine, SIGUSR1);
    const auto deadline = Clock::now() + timeout;
    while (boot_count() <= before) {
        if (Clock::now() > deadline) throw std::runtime_error("simhost " + m_name + ": reboot timed out");
        std::this_thread::sleep_for(10ms);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (!wait_for_ssh(std::max(left, std::chrono::milliseconds(1)))) {
        throw std::runtime_error("simhost " + m_name + ": sshd does not answer after reboot");
    }
}

std::string SimHost::reboot_command() { return std::string("echo reboot > ") + simhost::kPowerFifoInHost; }

int SimHost::boot_count() const {
    const std::string text = trimmed(read_whole(m_layout.boot_count()));
    return text.empty() ? 0 : std::stoi(text);
}

std::string SimHost::boot_id() const { return trimmed(read_whole(m_layout.boot_id())); }

pid_t SimHost::init_pid() const {
    const std::string text = trimmed(read_whole(m_layout.init_pid()));
    return text.empty() ? -1 : static_cast<pid_t>(std::stol(text));
}

std::string SimHost::pid_namespace() const {
    std::error_code ec;
    const auto target = fs::read_symlink("/proc/" + std::to_string(init_pid()) + "/ns/pid", ec);
    return ec ? std::string() : target.string();
}

std::vector<pid_t> SimHost::processes() const {
    std::vector<pid_t> pids;
    const std::string ns = pid_namespace();
    if (ns.empty()) return pids;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::error_code link_ec;
        if (fs::read_symlink(entry.path() / "ns" / "pid", link_ec).string() == ns) {
            pids.push_back(static_cast<pid_t>(std::stol(name)));
        }
    }
    return pids;
}

bool SimHost::wait_for_ssh(std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (ssh_banner(m_address, simhost::kSshPort, 1s)) return true;
        std::this_thread::sleep_for(25ms);
    }
    return false;
}

std::vector<std::string> SimHost::enter_command() const {
    return {"nsenter", "--target", std::to_string(init_pid()), "--net", "--pid", "--mount", "--uts", "--ipc", "--"};
}

CommandResult SimHost::run_as_user(const std::string& shell_command, std::chrono::milliseconds timeout,
                                   const std::string& input) const {
    const Account& user = test_account();
    std::vector<std::string> argv = enter_command();
    const std::vector<std::string> rest = {
        "setpriv", "--reuid=" + user.pw_name, "--regid=" + user.pw_name, "--init-groups",
        "env", "-i", "HOME=" + user.pw_dir, "USER=" + user.pw_name,
        "LOGNAME=" + user.pw_name, "SHELL=/bin/sh", "PATH=/usr/local/bin:/usr/bin:/bin",
        "/bin/sh", "-c", "cd \"$HOME\" || exit 125\n" + shell_command};
    argv.insert(argv.end(), rest.begin(), rest.end());
    return run_command(argv, timeout, input);
}

CommandResult SimHost::run_as_root(const std::string& shell_command, std::chrono::milliseconds timeout) const {
    std::vector<std::string> argv = enter_command();
    argv.insert(argv.end(), {"/bin/sh", "-c", shell_command});
    return run_command(argv, timeout);
}

std::optional<std::string> SimHost::read_file(const std::string& path_in_host) const {
    const fs::path path = "/proc/" + std::to_string(init_pid()) + "/root" + path_in_host;
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// ---------------------------------------------------------------------------------------------

std::optional<std::string> SimLab::unsupported_reason() {
    if (::geteuid() != 0) return "simulated hosts need root (network, PID and mount namespaces)";
    for (const char* tool : {"/usr/sbin/sshd", "/usr/sbin/cron", "/usr/bin/nsenter", "/usr/bin/setpriv"}) {
        if (::access(tool, X_OK) != 0) return std::string(tool) + " is missing (resources/deps.sh)";
    }
    if (getpwnam(simhost::kUser) == nullptr) return "no account fulcrum-test (resources/test-users.sh)";
    return std::nullopt;
}

int SimLab::clean_stale_runs() {
    fs::create_directories(kRunDir);
    std::set<int> slots;
    std::error_code ec;
    static const std::regex netns_name("fsim-([0-9]+)-.*");
    for (const auto& entry : fs::directory_iterator("/run/netns", ec)) {
        std::smatch m;
        const std::string name = entry.path().filename().string();
        if (std::regex_match(name, m, netns_name)) slots.insert(std::stoi(m[1]));
    }
    for (const auto& entry : fs::directory_iterator(kStateBase, ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) slots.insert(std::stoi(name));
    }
    int cleaned = 0;
    for (int slot : slots) {
        if (slot < 0 || slot >= kSlots) continue;
        const int fd = try_lock_slot(slot);
        if (fd < 0) continue;  // a live run owns it
        clean_slot(slot);
        ++cleaned;
        ::close(fd);
    }
    return cleaned;
}

SimLab::SimLab(SimLabOptions options) : m_options(std::move(options)) {
    if (auto reason = unsupported_reason()) throw std::runtime_error("simhost: " + *reason);
    static const std::regex valid_name("[a-z][a-z0-9]{0,7}");
    std::set<std::string> seen;
    for (const auto& name : m_options.hosts) {
        if (!std::regex_match(name, valid_name) || name == "lab" || !seen.insert(name).second) {
            throw std::invalid_argument("simhost: bad or duplicate host name '" + name + "'");
        }
    }
    if (m_options.hosts.empty() || m_options.hosts.size() > 200) throw std::invalid_argument("simhost: 1..200 hosts");
    clean_stale_runs();

    const int start = ::getpid() % kSlots;
    for (int i = 0; i < kSlots && m_slot < 0; ++i) {
        const int slot = (start + i) % kSlots;
        const int fd = try_lock_slot(slot);
        if (fd < 0) continue;
        clean_slot(slot);
        if (!subnet_is_free(slot)) {
            ::close(fd);
            continue;
        }
        m_slot = slot;
        m_lock_fd = fd;
    }
    if (m_slot < 0) throw std::runtime_error("simhost: no free slot");
    m_lab_netns = netns_prefix(m_slot) + "lab";
    m_root_link = root_link(m_slot);
    m_gateway = "198.18." + std::to_string(m_slot) + ".1";
    m_state = slot_state(m_slot);
    try {
        fs::create_directories(m_state / "client");
        ::chmod(kStateBase, 0755);
        ::chmod(m_state.c_str(), 0755);
        ::chmod((m_state / "client").c_str(), 0700);
        m_client_key = m_state / "client" / "id_ed25519";
        run_or_throw({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fulcrum-simhost-client", "-f",
                      m_client_key.string()});
        set_up_network();
        const std::string authorized = read_whole(m_client_key.string() + ".pub");
        const Account& user = test_account();
        std::string known;
        for (auto& host : m_hosts) {
            const fs::path keys = host->state_dir() / "home" / ".ssh" / "authorized_keys";
            write_file(keys, authorized, 0600);
            chown_to(keys, user.pw_uid, user.pw_gid);
            known += "[" + host->address() + "]:" + std::to_string(simhost::kSshPort) + " " +
                     host->host_public_key() + "\n";
        }
        m_known_hosts = m_state / "client" / "known_hosts";
        write_file(m_known_hosts, known, 0644);
        const std::string binary = FULCRUM_SIMHOST_MACHINE;
        for (auto& host : m_hosts) host->power_on(binary, m_options.reboot_down_time);
    } catch (...) {
        tear_down();
        throw;
    }
}

SimLab::~SimLab() { tear_down(); }

void SimLab::set_up_network() {
    const std::string prefix = "198.18." + std::to_string(m_slot) + ".";
    ip({"netns", "add", m_lab_netns});
    ip({"-n", m_lab_netns, "link", "set", "lo", "up"});
    ip({"-n", m_lab_netns, "link", "add", "br0", "type", "bridge"});
    ip({"-n", m_lab_netns, "link", "set", "br0", "up"});
    ip({"link", "add", m_root_link, "type", "veth", "peer", "name", "uplink", "netns", m_lab_netns});
    ip({"-n", m_lab_netns, "link", "set", "uplink", "master", "br0", "up"});
    ip({"addr", "add", m_gateway + "/24", "dev", m_root_link});
    ip({"link", "set", m_root_link, "up"});
    int index = 11;
    for (const auto& name : m_options.hosts) {
        const std::string ns = netns_prefix(m_slot) + name;
        const std::string address = prefix + std::to_string(index++);
        ip({"netns", "add", ns});
        ip({"-n", ns, "link", "set", "lo", "up"});
        ip({"-n", m_lab_netns, "link", "add", "h-" + name, "type", "veth", "peer", "name", "eth0", "netns", ns});
        ip({"-n", m_lab_netns, "link", "set", "h-" + name, "master", "br0", "up"});
        ip({"-n", ns, "addr", "add", address + "/24", "dev", "eth0"});
        ip({"-n", ns, "link", "set", "eth0", "up"});
        m_hosts.push_back(std::make_unique<SimHost>(name, address, ns, m_state / name));
    }
}

void SimLab::tear_down() noexcept {
    try {
        for (auto& host : m_hosts) host->power_off();
        m_hosts.clear();
        if (m_slot >= 0) clean_slot(m_slot);
    } catch (...) {
        // A destructor must not throw; clean_stale_runs() catches what is left next time.
    }
    if (m_lock_fd >= 0) ::close(m_lock_fd);
    m_lock_fd = -1;
}

SimHost& SimLab::host(const std::string& name) {
    for (auto& h : m_hosts) {
        if (h->name() == name) return *h;
    }
    throw std::out_of_range("simhost: no host " + name);
}

std::vector<SimHost*> SimLab::hosts() {
    std::vector<SimHost*> out;
    for (auto& h : m_hosts) out.push_back(h.get());
    return out;
}

std::string SimLab::subnet() const { return "198.18." + std::to_string(m_slot) + ".0/24"; }

std::filesystem::path SimLab::panel_home() const {
    const fs::path home = m_state / "panel-home";
    const fs::path ssh = home / ".ssh";
    if (fs::exists(ssh / "config")) return home;
    fs::create_directories(ssh);
    ::chmod(home.c_str(), 0700);
    ::chmod(ssh.c_str(), 0700);
    fs::copy_file(m_client_key, ssh / "id_ed25519", fs::copy_options::overwrite_existing);
    fs::copy_file(m_client_key.string() + ".pub", ssh / "id_ed25519.pub", fs::copy_options::overwrite_existing);
    ::chmod((ssh / "id_ed25519").c_str(), 0600);
    write_file(ssh / "known_hosts", known_hosts(), 0600);
    std::string config;
    for (const auto& host : m_hosts) {
        config += "Host " + host->name() + "\n  HostName " + host->address() + "\n  Port " +
                  std::to_string(simhost::kSshPort) + "\n  User " + host->user() + "\n  IdentityFile " +
                  (ssh / "id_ed25519").string() + "\n\n";
    }
    write_file(ssh / "config", config, 0600);
    return home;
}

std::string SimLab::known_hosts() const { return read_whole(m_known_hosts); }

std::vector<std::string> SimLab::ssh_command(const SimHost& host) const {
    return {"ssh", "-F", "/dev/null", "-i", m_client_key.string(), "-o", "IdentitiesOnly=yes",
            "-o", "UserKnownHostsFile=" + m_known_hosts.string(), "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
            "-p", std::to_string(simhost::kSshPort), host.user() + "@" + host.address()};
}

}  // namespace fulcrum::testing
