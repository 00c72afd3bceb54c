#include "agent/cli/daemon_commands.h"

#include "agent/client/agent_connection.h"
#include "agent/client/rpc_bridge.h"
#include "agent/daemon/daemon.h"
#include "agent/daemon/log.h"
#include "agent/util/files.h"
#include "agent/util/proc.h"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <memory>

namespace fulcrum::agent {
namespace {

struct CommonOptions {
    std::string state_dir;
    bool allow_root = false;
};

bool refuse_root(bool allow_root) {
    if (::geteuid() != 0) return false;
    if (!allow_root) {
        std::fprintf(stderr,
                     "fulcrum-agent: refusing to run as root. Run it as the account that owns the workers; "
                     "low ports come from CAP_NET_BIND_SERVICE in the boot unit, not from root.\n"
                     "(For containers and demos only: --allow-root.)\n");
        return true;
    }
    std::fprintf(stderr,
                 "\n"
                 "  ***************************************************************\n"
                 "  *  WARNING: fulcrum-agent is running as ROOT (--allow-root).   *\n"
                 "  *  Every worker command it starts runs as root too.           *\n"
                 "  *  Use this only in throw-away containers and demos.          *\n"
                 "  ***************************************************************\n\n");
    return false;
}

int serve(const StatePaths& paths, const std::string& started_by) {
    Daemon daemon(DaemonOptions{paths, started_by});
    if (auto error = daemon.prepare(); !error.empty()) {
        log_error(error);
        return 1;
    }
    return daemon.run();
}

// Forks a daemon that outlives the caller (the rpc bridge, cron). The parent returns once the
// child listens, or with the child's reason for not starting.
int serve_detached(const StatePaths& paths, const std::string& started_by) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) return 1;
    const pid_t pid = ::fork();
    if (pid < 0) return 1;
    if (pid > 0) {
        ::close(ready[1]);
        std::string report;
        char buffer[1024];
        ssize_t n;
        while ((n = ::read(ready[0], buffer, sizeof buffer)) > 0) report.append(buffer, static_cast<std::size_t>(n));
        ::close(ready[0]);
        if (report == "ok") return 0;
        std::fprintf(stderr, "%s\n", report.empty() ? "the daemon exited during start-up" : report.c_str());
        return 1;
    }
    ::close(ready[0]);
    ::setsid();
    // Nothing of the caller's terminal or SSH channel may stay open in the daemon, or the
    // channel would never close.
    if (auto error = paths.create(); error.empty()) {
        const int log = ::open(paths.agent_log().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) ::dup2(null, 0);
        if (log >= 0) {
            ::dup2(log, 1);
            ::dup2(log, 2);
        } else if (null >= 0) {
            ::dup2(null, 1);
            ::dup2(null, 2);
        }
    }
    Daemon daemon(DaemonOptions{paths, started_by});
    const std::string error = daemon.prepare();
    const std::string report = error.empty() ? "ok" : error;
    if (::write(ready[1], report.data(), report.size()) < 0) {
        // The caller is gone; carry on (or give up) all the same.
    }
    ::close(ready[1]);
    if (!error.empty()) {
        log_error(error);
        ::_exit(1);
    }
    ::_exit(daemon.run());
}

std::optional<StatePaths> resolve_paths(const CommonOptions& common) {
    std::string error;
    auto paths = StatePaths::resolve(common.state_dir, error);
    if (!paths) std::fprintf(stderr, "fulcrum-agent: %s\n", error.c_str());
    return paths;
}

std::string duration_words(std::int64_t seconds) {
    if (seconds < 120) return std::to_string(seconds) + " s";
    if (seconds < 7200) return std::to_string(seconds / 60) + " min";
    if (seconds < 172800) return std::to_string(seconds / 3600) + " h";
    return std::to_string(seconds / 86400) + " days";
}

int print_status(const StatePaths& paths) {
    std::string error;
    auto connection = AgentConnection::connect(paths.socket(), error);
    if (!connection) {
        std::printf("The fulcrum-agent daemon is not running (nothing listens on %s).\n"
                    "Start it with `fulcrum-agent daemon`, or let the panel start it.\n",
                    paths.socket().c_str());
        return 3;
    }
    protocol::HelloParams hello{"fulcrum-agent status", FULCRUM_VERSION, {}, {}};
    auto greeting = connection->call<protocol::method::AgentHello>(hello, std::chrono::seconds(10));
    if (!greeting) {
        std::printf("The daemon on %s did not answer: %s\n", paths.socket().c_str(), greeting.error().message.c_str());
        return 1;
    }
    const auto& agent = greeting.value();
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    std::printf("fulcrum-agent %s is running: pid %lld, started by %s, up %s.\n", agent.agent_version.c_str(),
                static_cast<long long>(agent.daemon_pid), agent.started_by.c_str(),
                duration_words(now_s - agent.daemon_started_at_ms / 1000).c_str());
    std::printf("State: %s\n", agent.state_dir.c_str());
    if (auto facts = connection->call<protocol::method::HostFactsGet>({}, std::chrono::seconds(10))) {
        const auto& f = facts.value();
        std::printf("Host: %s, %s, kernel %s (%s), %d cores, %.1f GiB memory, up %s.\n", f.hostname.c_str(),
                    f.os_name.c_str(), f.kernel.c_str(), f.arch.c_str(), f.cores,
                    static_cast<double>(f.memory_bytes) / (1024.0 * 1024.0 * 1024.0),
                    duration_words(static_cast<std::int64_t>(f.uptime_s)).c_str());
    }
    return 0;
}

}  // namespace

void add_daemon_commands(CLI::App& app, int& exit_code) {
    auto common = std::make_shared<CommonOptions>();
    auto add_common = [common](CLI::App* command) {
        command->add_option("--state-dir", common->state_dir,
                            "State directory (default: $XDG_STATE_HOME/fulcrum or ~/.local/state/fulcrum)");
    };

    auto* daemon = app.add_subcommand("daemon", "Run the supervisor (listens on a Unix socket only)");
    add_common(daemon);
    auto detach = std::make_shared<bool>(false);
    auto started_by = std::make_shared<std::string>("manual");
    daemon->add_flag("--allow-root", common->allow_root, "Run even as root (containers and demos only)");
    daemon->add_flag("--detach", *detach, "Fork into the background once the socket listens");
    daemon->add_option("--started-by", *started_by, "How it was started, as reported to the panel")
        ->check(CLI::IsMember({"manual", "rpc", "cron", "systemd-user", "systemd-system"}));
    daemon->callback([&exit_code, common, detach, started_by] {
        if (refuse_root(common->allow_root)) {
            exit_code = 2;
            return;
        }
        auto paths = resolve_paths(*common);
        if (!paths) {
            exit_code = 1;
            return;
        }
        exit_code = *detach ? serve_detached(*paths, *started_by) : serve(*paths, *started_by);
    });

    auto* rpc = app.add_subcommand("rpc", "Bridge stdin/stdout to the daemon, starting it if needed");
    add_common(rpc);
    rpc->add_flag("--allow-root", common->allow_root, "Passed to the daemon it starts");
    rpc->callback([&exit_code, common] {
        auto paths = resolve_paths(*common);
        if (!paths) {
            exit_code = 1;
            return;
        }
        BridgeOptions options{*paths, self_executable(), {}, std::chrono::seconds(10)};
        if (!common->state_dir.empty()) options.daemon_args = {"--state-dir", paths->root.string()};
        if (common->allow_root) options.daemon_args.push_back("--allow-root");
        exit_code = run_rpc_bridge(options);
    });

    auto* status = app.add_subcommand("status", "Print what the daemon is doing, in words");
    add_common(status);
    status->callback([&exit_code, common] {
        auto paths = resolve_paths(*common);
        exit_code = paths ? print_status(*paths) : 1;
    });
}

}  // namespace fulcrum::agent
