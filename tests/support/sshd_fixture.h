#pragma once
// A real OpenSSH sshd for tests, on a loopback port chosen by the kernel (bind port 0).
//
// The fixture owns the listening socket and starts one `sshd -i` (inetd mode) per accepted
// connection, so the port never races with other tests and "killing sshd" is exact. sshd runs
// as the unprivileged account fulcrum-test when the test runs as root (CI), otherwise as the
// current user; a non-root sshd can only log in its own user, which is the user() below.
// Password and keyboard-interactive logins go through real PAM, pointed by pam_wrapper
// (Debian's libpam-wrapper) at a pam_matrix password file in the fixture's own directory, so
// no system account gets a password and nothing outside the temp directory is touched.
//
// Sessions get HOME=<dir>/home, so whatever a test deploys or starts lives in its own tree;
// the destructor kills every process that runs from that tree or has it as HOME.
// Plain C++ (no Qt) so that agent and e2e tests can use it too.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace fulcrum::testing {

struct SshdOptions {
    bool password_authentication = true;
    bool keyboard_interactive = true;
    // Extra sshd_config lines appended verbatim (e.g. "MaxAuthTries 2").
    std::vector<std::string> extra_config;
    // Another loopback address (127.0.0.2, ...) gives a second "host" on the same machine.
    std::string bind_address = "127.0.0.1";
};

class SshdFixture {
public:
    // Generates keys and config, binds bind_address:0 and starts accepting. Throws
    // std::runtime_error with the reason (e.g. sshd or libpam-wrapper missing).
    explicit SshdFixture(SshdOptions options = {});
    ~SshdFixture();
    SshdFixture(const SshdFixture&) = delete;
    SshdFixture& operator=(const SshdFixture&) = delete;

    std::string host() const { return m_options.bind_address; }
    std::uint16_t port() const { return m_port; }
    std::string user() const { return m_user; }
    std::string password() const { return m_password; }
    std::string dir() const { return m_dir; }
    std::string remote_home() const { return m_dir + "/home"; }

    // An unencrypted ed25519 key that sshd accepts.
    std::string user_key_path() const { return m_dir + "/client/user_ed25519"; }
    // An encrypted ed25519 key that sshd accepts, and its passphrase.
    std::string encrypted_user_key_path() const { return m_dir + "/client/user_secret_ed25519"; }
    std::string user_key_passphrase() const { return m_key_passphrase; }
    // A key sshd does not accept.
    std::string stranger_key_path() const { return m_dir + "/client/stranger_ed25519"; }
    // A directory for the client side (its ~/.ssh/known_hosts etc. can live here).
    std::string client_dir() const { return m_dir + "/client"; }

    // The server's public host key as in a known_hosts line: "ssh-ed25519 AAAA...".
    std::string host_key_line() const;
    // Replaces the host key, as a reinstalled server would (for changed-key tests).
    void replace_host_key();

    // Kills every running sshd session and stops listening: connections are refused.
    void stop();
    // Listens again on the same port.
    void start();
    // Kills running sessions but keeps accepting new connections.
    void kill_sessions();
    int accepted_connections() const { return m_accepted.load(); }

    // sshd's own log (stderr of every session), for failure messages.
    std::string log() const;

    // Kills processes that run an executable under `dir` or whose HOME or XDG_STATE_HOME lies
    // under it, and what they started (process_sweep.h). Used for agents a test deployed;
    // public for tests with their own temp dirs.
    static void kill_processes_under(const std::string& dir);

private:
    void listen_on(std::uint16_t port);
    void accept_loop();
    void spawn_session(int client_fd);
    void reap();
    void write_config();
    void remove_pam_wrapper_leftovers() const;

    SshdOptions m_options;
    std::string m_dir;
    std::string m_user;
    std::string m_password;
    std::string m_key_passphrase;
    uid_t m_run_uid = 0;
    gid_t m_run_gid = 0;
    bool m_drop_privileges = false;
    std::string m_pam_wrapper_lib;

    std::uint16_t m_port = 0;
    int m_listen_fd = -1;
    int m_wake_pipe[2] = {-1, -1};
    std::thread m_acceptor;
    std::atomic<int> m_accepted{0};

    mutable std::mutex m_mutex;
    std::vector<pid_t> m_sessions;
};

}  // namespace fulcrum::testing
