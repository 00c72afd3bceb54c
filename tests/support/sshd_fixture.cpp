#include "tests/support/sshd_fixture.h"

#include "tests/support/process_sweep.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace fulcrum::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSshd = "/usr/sbin/sshd";
constexpr const char* kTestAccount = "fulcrum-test";

std::runtime_error failure(const std::string& what) {
    return std::runtime_error("sshd fixture: " + what + (errno ? std::string(": ") + std::strerror(errno) : ""));
}

std::string random_hex(std::size_t bytes) {
    std::random_device rd;
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        const auto b = static_cast<unsigned>(rd()) & 0xffU;
        out += digits[b >> 4];
        out += digits[b & 0xfU];
    }
    return out;
}

// Runs a program to completion with the given argv; throws on a non-zero exit.
void run(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        errno = rc;
        throw failure("cannot start " + args[0]);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = 0;
        throw failure(args[0] + " failed");
    }
}

void write_file(const std::string& path, const std::string& text, mode_t mode) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw failure("cannot write " + path);
    ::chmod(path.c_str(), mode);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string find_pam_wrapper() {
    for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"}) {
        const std::string lib = std::string(dir) + "/libpam_wrapper.so";
        if (fs::exists(lib) && fs::exists(std::string(dir) + "/pam_wrapper/pam_matrix.so")) return dir;
    }
    return {};
}

void chown_tree(const std::string& root, uid_t uid, gid_t gid) {
    ::lchown(root.c_str(), uid, gid);
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        ::lchown(entry.path().c_str(), uid, gid);
    }
}

}  // namespace

SshdFixture::SshdFixture(SshdOptions options) : m_options(std::move(options)) {
    if (!fs::exists(kSshd)) throw failure("OpenSSH server not installed (" + std::string(kSshd) + ")");
    const std::string pam_dir = find_pam_wrapper();
    if (pam_dir.empty()) throw failure("libpam-wrapper not installed (resources/deps.sh installs it)");
    m_pam_wrapper_lib = pam_dir;

    if (::geteuid() == 0) {
        const passwd* pw = ::getpwnam(kTestAccount);
        if (!pw) throw failure("account fulcrum-test missing: run resources/test-users.sh");
        m_run_uid = pw->pw_uid;
        m_run_gid = pw->pw_gid;
        m_user = kTestAccount;
        m_drop_privileges = true;
    } else {
        const passwd* pw = ::getpwuid(::geteuid());
        if (!pw) throw failure("cannot name the current user");
        m_run_uid = pw->pw_uid;
        m_run_gid = pw->pw_gid;
        m_user = pw->pw_name;
    }

    char tmpl[] = "/tmp/fulcrum-sshd-XXXXXX";
    if (!::mkdtemp(tmpl)) throw failure("mkdtemp");
    m_dir = tmpl;
    ::chmod(m_dir.c_str(), 0755);
    fs::create_directories(m_dir + "/home");
    fs::create_directories(m_dir + "/client");
    fs::create_directories(m_dir + "/pam");
    ::chmod((m_dir + "/home").c_str(), 0755);

    m_password = "pw-" + random_hex(12);
    m_key_passphrase = "pass-" + random_hex(8);
    run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fixture-host", "-f", m_dir + "/host_ed25519"});
    run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fixture-user", "-f", user_key_path()});
    run({"ssh-keygen", "-q", "-t", "ed25519", "-N", m_key_passphrase, "-C", "fixture-user-secret", "-f",
         encrypted_user_key_path()});
    run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "stranger", "-f", stranger_key_path()});
    write_file(m_dir + "/authorized_keys",
               read_file(user_key_path() + ".pub") + read_file(encrypted_user_key_path() + ".pub"), 0600);
    write_file(m_dir + "/passdb", m_user + ":" + m_password + ":sshd\n", 0600);
    // (pam_matrix's `verbose` option would add informational rounds, but sshd 9.2 crashes on
    // it; OpenSSH's PAM driver already ends keyboard-interactive with a zero-prompt round.)
    const std::string matrix = m_pam_wrapper_lib + "/pam_wrapper/pam_matrix.so passdb=" + m_dir + "/passdb";
    write_file(m_dir + "/pam/sshd",
               "auth required " + matrix + "\n" + "account required " + matrix + "\n" +
                   "password required " + matrix + "\n" + "session required " + matrix + "\n",
               0644);
    write_config();
    if (m_drop_privileges) {
        chown_tree(m_dir, m_run_uid, m_run_gid);
        // The client side stays root's: a client key readable by others would be refused.
        chown_tree(client_dir(), 0, 0);
    }
    if (::pipe2(m_wake_pipe, O_CLOEXEC) != 0) throw failure("pipe");
    listen_on(0);
}

void SshdFixture::write_config() {
    std::string cfg;
    cfg += "HostKey " + m_dir + "/host_ed25519\n";
    cfg += "AuthorizedKeysFile " + m_dir + "/authorized_keys\n";
    cfg += "PidFile none\n";
    // StrictModes checks the path up to / for group/world-writable parents; /tmp is one.
    cfg += "StrictModes no\n";
    cfg += "UsePAM yes\n";
    cfg += "PubkeyAuthentication yes\n";
    cfg += std::string("PasswordAuthentication ") + (m_options.password_authentication ? "yes" : "no") + "\n";
    cfg += std::string("KbdInteractiveAuthentication ") + (m_options.keyboard_interactive ? "yes" : "no") + "\n";
    cfg += "SetEnv HOME=" + remote_home() + "\n";
    cfg += "LogLevel VERBOSE\n";
    cfg += "PrintMotd no\n";
    cfg += "Subsystem sftp internal-sftp\n";
    for (const auto& line : m_options.extra_config) cfg += line + "\n";
    write_file(m_dir + "/sshd_config", cfg, 0644);
}

SshdFixture::~SshdFixture() {
    stop();
    if (m_wake_pipe[0] >= 0) ::close(m_wake_pipe[0]);
    if (m_wake_pipe[1] >= 0) ::close(m_wake_pipe[1]);
    kill_processes_under(m_dir);
    remove_pam_wrapper_leftovers();
    std::error_code ec;
    fs::remove_all(m_dir, ec);
}

std::string SshdFixture::host_key_line() const {
    std::string line = read_file(m_dir + "/host_ed25519.pub");
    // "type base64 comment\n" → "type base64"
    std::istringstream in(line);
    std::string type, blob;
    in >> type >> blob;
    return type + " " + blob;
}

void SshdFixture::replace_host_key() {
    fs::remove(m_dir + "/host_ed25519");
    fs::remove(m_dir + "/host_ed25519.pub");
    run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fixture-host-2", "-f", m_dir + "/host_ed25519"});
    if (m_drop_privileges) {
        ::chown((m_dir + "/host_ed25519").c_str(), m_run_uid, m_run_gid);
        ::chown((m_dir + "/host_ed25519.pub").c_str(), m_run_uid, m_run_gid);
    }
}

void SshdFixture::listen_on(std::uint16_t port) {
    m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_listen_fd < 0) throw failure("socket");
    const int one = 1;
    ::setsockopt(m_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, m_options.bind_address.c_str(), &addr.sin_addr) != 1) {
        errno = 0;
        throw failure("bind_address is not an IPv4 address: " + m_options.bind_address);
    }
    if (::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw failure("bind");
    if (::listen(m_listen_fd, 16) != 0) throw failure("listen");
    socklen_t len = sizeof addr;
    ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_acceptor = std::thread([this] { accept_loop(); });
}

void SshdFixture::accept_loop() {
    for (;;) {
        pollfd fds[2] = {{m_listen_fd, POLLIN, 0}, {m_wake_pipe[0], POLLIN, 0}};
        const int n = ::poll(fds, 2, 200);
        reap();
        if (n < 0 && errno != EINTR) return;
        if (fds[1].revents) return;
        if (fds[0].revents & POLLIN) {
            const int client = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            spawn_session(client);
            ::close(client);
            ++m_accepted;
        }
    }
}

void SshdFixture::spawn_session(int client_fd) {
    // Everything the child needs is prepared before fork: between fork and exec only
    // async-signal-safe calls are allowed in a multi-threaded process.
    const std::string config = m_dir + "/sshd_config";
    const std::string log_path = m_dir + "/sshd.log";
    std::vector<std::string> env_strings = {
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
        "LD_PRELOAD=" + m_pam_wrapper_lib + "/libpam_wrapper.so",
        "PAM_WRAPPER=1",
        "PAM_WRAPPER_SERVICE_DIR=" + m_dir + "/pam",
    };
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> arg_strings = {kSshd, "-i", "-e", "-f", config};
    std::vector<char*> argv;
    for (auto& s : arg_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd >= 0 && m_drop_privileges) ::fchown(log_fd, m_run_uid, m_run_gid);
    const gid_t groups[1] = {m_run_gid};

    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(client_fd, STDIN_FILENO);
        ::dup2(client_fd, STDOUT_FILENO);
        if (log_fd >= 0) ::dup2(log_fd, STDERR_FILENO);
        ::setsid();
        if (m_drop_privileges) {
            if (::setgroups(1, groups) != 0 || ::setgid(m_run_gid) != 0 || ::setuid(m_run_uid) != 0) ::_exit(126);
        }
        ::execve(kSshd, argv.data(), envp.data());
        ::_exit(127);
    }
    if (log_fd >= 0) ::close(log_fd);
    if (pid > 0) {
        std::lock_guard lock(m_mutex);
        m_sessions.push_back(pid);
    }
}

void SshdFixture::reap() {
    std::lock_guard lock(m_mutex);
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        int status = 0;
        if (::waitpid(*it, &status, WNOHANG) == *it) {
            it = m_sessions.erase(it);
        } else {
            ++it;
        }
    }
}

void SshdFixture::kill_sessions() {
    std::vector<pid_t> sessions;
    {
        std::lock_guard lock(m_mutex);
        sessions.swap(m_sessions);
    }
    // Each session is its own process group (setsid), which also holds sshd's privsep child
    // and the user's commands; killing the group is what a crashed server looks like.
    for (pid_t pid : sessions) ::kill(-pid, SIGKILL);
    for (pid_t pid : sessions) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

void SshdFixture::stop() {
    if (m_acceptor.joinable()) {
        const char byte = 1;
        [[maybe_unused]] auto ignored = ::write(m_wake_pipe[1], &byte, 1);
        m_acceptor.join();
        char drain = 0;
        [[maybe_unused]] auto ignored2 = ::read(m_wake_pipe[0], &drain, 1);
    }
    if (m_listen_fd >= 0) {
        ::close(m_listen_fd);
        m_listen_fd = -1;
    }
    kill_sessions();
}

void SshdFixture::start() {
    if (m_listen_fd >= 0) return;
    listen_on(m_port);
}

void SshdFixture::remove_pam_wrapper_leftovers() const {
    // pam_wrapper copies our service file into /tmp/pam.X per sshd process and removes it when
    // that process exits normally; killed sessions leave theirs. Only copies of our own file go.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
        const std::string name = entry.path().filename();
        if (name.rfind("pam.", 0) != 0 || name.size() != 5) continue;
        const std::string copy = read_file(entry.path().string() + "/sshd");
        if (!copy.empty() && copy.find(m_dir + "/passdb") != std::string::npos) fs::remove_all(entry.path(), ec);
    }
}

std::string SshdFixture::log() const { return read_file(m_dir + "/sshd.log"); }

void SshdFixture::kill_processes_under(const std::string& dir) {
    if (!dir.empty()) fulcrum::testing::kill_processes_under(std::vector<std::string>{dir});
}

}  // namespace fulcrum::testing
