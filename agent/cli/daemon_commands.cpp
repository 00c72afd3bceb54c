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

void print_parts(AgentConnection& connection) {
    namespace method = protocol::method;
    if (auto config = connection.call<method::ConfigGet>({}, std::chrono::seconds(10))) {
        if (config.value().version == 0) {
            std::printf("Config: none applied yet.\n");
        } else {
            std::printf("Config: version %lld.\n", static_cast<long long>(config.value().version));
        }
    }
    if (auto workers = connection.call<method::WorkersList>({}, std::chrono::seconds(10))) {
        if (workers.value().groups.empty()) std::printf("Workers: no groups.\n");
        for (const auto& group : workers.value().groups) {
            int running = 0;
            for (const auto& instance : group.instances) running += instance.state == protocol::InstanceState::running;
            std::printf("Workers %s: %s, %d of %d running (%s).\n", group.name.c_str(),
                        nlohmann::json(group.state).get<std::string>().c_str(), running, group.desired_count,
                        group.command.c_str());
            if (!group.failing_reason.empty()) std::printf("  FAILING: %s\n", group.failing_reason.c_str());
            for (const auto& instance : group.instances) {
                std::printf("  [%d] port %d: %s", instance.index, instance.port,
                            nlohmann::json(instance.state).get<std::string>().c_str());
                if (instance.pid > 0)
                    std::printf(", pid %lld, up %s, %.1f%% CPU, %.1f MiB", static_cast<long long>(instance.pid),
                                duration_words(static_cast<std::int64_t>(instance.uptime_s)).c_str(),
                                instance.cpu_percent, static_cast<double>(instance.rss_bytes) / (1024.0 * 1024.0));
                if (instance.restarts > 0) std::printf(", %d restarts", instance.restarts);
                if (instance.last_exit && instance.pid == 0) std::printf(", last: %s", instance.last_exit->reason.c_str());
                std::printf("\n");
            }
        }
    }
    if (auto proxy = connection.call<method::ProxyStatusGet>({}, std::chrono::seconds(10))) {
        const auto& p = proxy.value();
        if (!p.configured) {
            std::printf("Proxy: not configured (the config has no listeners).\n");
        } else if (p.running) {
            std::printf("Proxy: running, pid %lld, up %s, config version %lld, %d restarts.\n",
                        static_cast<long long>(p.pid), duration_words(static_cast<std::int64_t>(p.uptime_s)).c_str(),
                        static_cast<long long>(p.config_version), p.restarts);
        } else {
            std::printf("Proxy: NOT running%s%s.\n", p.last_exit ? "; last exit: " : "",
                        p.last_exit ? p.last_exit->c_str() : "");
        }
    }
    if (auto metrics = connection.call<method::MetricsHistory>({std::nullopt, 1}, std::chrono::seconds(10));
        metrics && !metrics.value().samples.empty()) {
        const auto& sample = metrics.value().samples.back();
        double requests = 0;
        for (const auto& pool : sample.pools) requests += pool.traffic.requests_per_s;
        std::printf("Load: host CPU %.0f%%, load %.2f, %.0f MiB available; proxy %.1f requests/s.\n",
                    sample.host.cpu_percent, sample.host.load1,
                    static_cast<double>(sample.host.mem_available_bytes) / (1024.0 * 1024.0), requests);
    }
    if (auto boot = connection.call<method::BootStatusGet>({}, std::chrono::seconds(30))) {
        std::printf("Boot: %s\n", boot.value().summary.c_str());
        if (!boot.value().fix.empty()) std::printf("  Fix: %s\n", boot.value().fix.c_str());
    }
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
    print_parts(*connection);
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
