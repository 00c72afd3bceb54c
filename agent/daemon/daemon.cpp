#include "agent/daemon/daemon.h"

#include "agent/config/proxy_section.h"
#include "agent/daemon/certificate_files.h"
#include "agent/daemon/clock.h"
#include "agent/daemon/host_facts.h"
#include "agent/daemon/log.h"
#include "agent/util/files.h"
#include "agent/util/proc.h"
#include "agent/util/run_command.h"
#include "agent/util/tick_grid.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>

namespace fulcrum::agent {

namespace method = protocol::method;
using protocol::Error;
using protocol::ErrorCode;

Daemon::Daemon(DaemonOptions options)
    : m_options(std::move(options)),
      m_store(m_options.paths.config_dir()),
      m_supervisor(m_io, m_watcher, LogFiles(m_options.paths.logs_dir()), m_options.paths.root.string()),
      m_follower(m_io, m_options.paths.logs_dir()),
      m_proxy(m_io, m_watcher,
              ProxyPaths{m_options.paths.root / "proxy" / "config.json", m_options.paths.root / "proxy" / "admin.sock",
                         LogFiles(m_options.paths.logs_dir()).proxy_log(),
                         LogFiles(m_options.paths.logs_dir()).proxy_stderr_log()},
              self_executable()),
      m_started_at_ms(now_ms()) {
    register_methods();
    m_config.set_applier([this](const StoredConfig& stored, const std::vector<WorkerGroupSpec>& workers,
                                std::function<void(protocol::ConfigApplyResult)> done) {
        apply_config(stored, workers, std::move(done));
    });
    m_config.set_retry_unchanged([this]() -> std::vector<std::string> {
        if (m_proxy.status().state != protocol::InstanceState::failing) return {};
        m_proxy.apply(effective_proxy(), proxy_configured(m_document), m_store.current().version,
                      [](bool, const std::string&) {});
        return {"the proxy was failing: it is started again with this config"};
    });
    m_supervisor.set_on_group_changed([this](const protocol::WorkerGroupStatus& status) {
        m_dispatcher.broadcast(protocol::make_notification<protocol::notification::WorkersChangedN>({status}));
    });
    m_supervisor.set_on_runtime_changed([this] { runtime_changed(); });
    m_proxy.set_on_runtime_changed([this] { save_runtime_state(); });
    m_proxy.set_on_changed([this](const protocol::ProxyStatus& status) {
        m_dispatcher.broadcast(protocol::make_notification<protocol::notification::ProxyChangedN>({status}));
    });
    // Scale-down and group removal: the proxy stops sending the instance requests and lets
    // the ones in flight finish before the process is stopped.
    m_supervisor.set_drain([this](const std::string& group, int port, std::function<void()> done) {
        std::vector<std::string> pools;
        if (auto list = m_document.find("pools"); list != m_document.end() && list->is_array()) {
            for (const auto& pool : *list) {
                if (pool.is_object() && pool.value("follow_workers", "") == group) pools.push_back(pool.value("name", ""));
            }
        }
        m_proxy.drain(std::move(pools), "127.0.0.1:" + std::to_string(port), std::chrono::seconds(10), std::move(done));
    });
}

Daemon::~Daemon() = default;

std::string Daemon::prepare() {
    const auto& paths = m_options.paths;
    if (auto error = paths.create(); !error.empty()) return error;

    // One daemon per state directory. The lock dies with the process, so a daemon killed with
    // SIGKILL never leaves a stale lock behind.
    m_lock.reset(::open(paths.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!m_lock.valid()) return "cannot open " + paths.lock().string() + ": " + errno_text(errno);
    if (::flock(m_lock.get(), LOCK_EX | LOCK_NB) != 0) {
        const auto pid = read_small_file(paths.lock(), 64).value_or("?");
        return "another fulcrum-agent daemon is already running for " + paths.root.string() + " (pid " + pid + ")";
    }
    const std::string pid = std::to_string(::getpid());
    if (::ftruncate(m_lock.get(), 0) != 0 || ::pwrite(m_lock.get(), pid.data(), pid.size(), 0) < 0)
        log_warning("cannot record the pid in " + paths.lock().string());

    // Only now, holding the lock, is the state ours to repair and restore.
    for (const auto& note : m_store.load()) log_warning(note);
    m_watcher.start();
    if (auto error = m_follower.start(); !error.empty()) log_warning("logs.follow unavailable: " + error);
    // What a previous daemon left running is adopted (pid + start time), not started twice.
    if (auto saved = read_small_file(paths.children(), 4 << 20)) {
        auto state = nlohmann::json::parse(*saved, nullptr, false);
        if (state.is_object() && state.value("boot_id", "") == read_boot_id()) {
            if (state.contains("workers")) m_supervisor.set_adoptable(state["workers"]);
            if (state.contains("proxy") && !state["proxy"].is_null() && !m_proxy.adopt(state["proxy"]))
                log_info("the proxy recorded by the previous agent is gone; starting a new one if configured");
        }
    }
    if (auto workers = m_config.restore()) {
        apply_config(m_store.current(), *workers, [](const protocol::ConfigApplyResult& result) {
            for (const auto& note : result.notes) log_warning(note);
        });
    }
    m_supervisor.end_unwanted_leftovers();

    // Orphaned grandchildren (a worker's own children) are reparented to us instead of init, so
    // they are reaped here and never outlive a stopped group unnoticed.
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) log_warning("PR_SET_CHILD_SUBREAPER failed: " + errno_text(errno));

    // The lock proves no other daemon serves this socket, so an existing file is stale.
    ::unlink(paths.socket().c_str());
    const mode_t old_mask = ::umask(0177);  // the socket is created 0600, never briefly wider
    asio::error_code error;
    m_acceptor.open(asio::local::stream_protocol(), error);
    if (!error) m_acceptor.bind(asio::local::stream_protocol::endpoint(paths.socket().string()), error);
    ::umask(old_mask);
    if (!error) m_acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) return "cannot listen on " + paths.socket().string() + ": " + error.message();
    ::chmod(paths.socket().c_str(), 0600);
    ::fcntl(m_acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
    return {};
}

int Daemon::run() {
    std::signal(SIGPIPE, SIG_IGN);
    wait_for_signals();
    accept_next();
    tick();
    log_info("listening on " + m_options.paths.socket().string() + " (pid " + std::to_string(::getpid()) +
             ", started by " + m_options.started_by + ")");
    m_io.run();
    log_info("stopped");
    return 0;
}

void Daemon::shutdown() {
    if (m_shutting_down) return;
    m_shutting_down = true;
    // An orderly stop (SIGTERM: systemctl stop, a person) stops the workers too; a daemon that
    // dies (SIGKILL, crash) leaves them serving for the next daemon to adopt.
    asio::error_code ignored;
    m_acceptor.close(ignored);
    log_info("stopping the proxy and the workers");
    auto left = std::make_shared<int>(2);
    auto one_done = [this, left] {
        if (--*left == 0) stop();
    };
    m_proxy.stop(one_done);
    m_supervisor.stop_all(one_done);
}

void Daemon::stop() {
    asio::error_code ignored;
    m_tick.cancel();
    m_acceptor.close(ignored);
    m_signals.cancel(ignored);
    m_dispatcher.close_all();
    ::unlink(m_options.paths.socket().c_str());
    m_io.stop();
}

void Daemon::wait_for_signals() {
    m_signals.add(SIGTERM);
    m_signals.add(SIGINT);
    m_signals.async_wait([this](const asio::error_code& error, int signal) {
        if (error) return;
        log_info(std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") + ", shutting down");
        shutdown();
        // A second signal stops at once, leaving whatever still runs to the next daemon.
        m_signals.async_wait([this](const asio::error_code& again, int) {
            if (!again) stop();
        });
    });
}

void Daemon::accept_next() {
    m_acceptor.async_accept([this](const asio::error_code& error, asio::local::stream_protocol::socket socket) {
        if (error == asio::error::operation_aborted) return;
        if (!error) {
            ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
            auto session = std::make_shared<Session>(std::move(socket), m_dispatcher, m_next_session_id++);
            m_dispatcher.session_opened(session);
            session->start();
        } else {
            log_warning("accept failed: " + error.message());
        }
        accept_next();
    });
}

// config.apply after validation and storage: workers first (so new ports exist), then the
// proxy with the effective config; the answer waits for the proxy's confirmation.
void Daemon::apply_config(const StoredConfig& stored, const std::vector<WorkerGroupSpec>& workers,
                          std::function<void(protocol::ConfigApplyResult)> done) {
    protocol::ConfigApplyResult result;
    m_document = stored.document;
    result.workers_changed = m_supervisor.apply(workers);
    m_proxy.apply(effective_proxy(), proxy_configured(m_document), stored.version,
                  [result, done](bool reloaded, const std::string& note) mutable {
                      result.proxy_reloaded = reloaded;
                      if (!note.empty()) result.notes.push_back(note);
                      done(result);
                  });
}

nlohmann::json Daemon::effective_proxy() const {
    return effective_proxy_config(m_document, followed_servers(m_supervisor.statuses()));
}

void Daemon::runtime_changed() {
    save_runtime_state();
    // A drained instance that stopped leaves the proxy's pool now.
    m_proxy.sync(effective_proxy());
}

void Daemon::tick() {
    // On the shared grid (util/tick_grid.h), so the health-check rounds of worker groups
    // expire in the same wakeup; it also keeps the samples 1 s apart without drift.
    m_tick.expires_at(next_grid_point(std::chrono::steady_clock::now(), std::chrono::seconds(1)));
    m_tick.async_wait([this](const asio::error_code& error) {
        if (error) return;
        ++m_ticks;
        m_supervisor.sample_usage();
        m_metrics.sample();
        if (m_ticks % 10 == 0) {
            std::error_code ignored;
            for (const auto& entry : std::filesystem::directory_iterator(m_options.paths.logs_dir(), ignored)) {
                if (entry.path().extension() == ".log" && LogFiles::rotate_if_large(entry.path()))
                    m_follower.rotated(entry.path());
            }
        }
        tick();
    });
}

void Daemon::save_runtime_state() {
    const nlohmann::json state = {{"boot_id", read_boot_id()},
                                  {"daemon_pid", ::getpid()},
                                  {"workers", m_supervisor.runtime_state()},
                                  {"proxy", m_proxy.runtime_state()}};
    if (auto error = write_file_atomically(m_options.paths.children(), state.dump() + "\n"); !error.empty())
        log_warning("cannot record the running processes: " + error);
}

BootPersistence Daemon::boot() const {
    BootContext context{self_executable(), m_options.paths.root, "", ""};
    if (const passwd* user = ::getpwuid(::geteuid())) {
        context.user = user->pw_name;
        context.home = user->pw_dir;
    }
    return BootPersistence(context);
}

void Daemon::register_methods() {
    m_dispatcher.on<method::AgentHello>([this](Session& session, const protocol::HelloParams& hello)
                                            -> protocol::Outcome<protocol::HelloResult> {
        const protocol::ProtocolVersion ours;
        if (auto problem = protocol::incompatibility(ours, hello.protocol); !problem.empty()) {
            return Error::make(ErrorCode::IncompatibleVersion, problem,
                               {{"agent", nlohmann::json(ours)}, {"client", nlohmann::json(hello.protocol)}});
        }
        session.mark_greeted();
        protocol::HelloResult result;
        result.agent_version = FULCRUM_VERSION;
        result.capabilities = {"config", protocol::capability::kWorkers, protocol::capability::kLogsFollow,
                               protocol::capability::kProxy, protocol::capability::kMetrics,
                               protocol::capability::kBoot, protocol::capability::kUpgrade,
                               protocol::capability::kTlsCertificates};
        result.daemon_pid = ::getpid();
        result.daemon_started_at_ms = m_started_at_ms;
        result.started_by = m_options.started_by;
        result.state_dir = m_options.paths.root.string();
        return result;
    });
    m_config.register_methods();
    m_workers.register_methods();
    m_metrics.register_methods();
    // Boot persistence: rare, person-triggered calls that run short external commands.
    m_dispatcher.on<method::BootStatusGet>(
        [this](Session&, const protocol::BootStatusParams&) -> protocol::Outcome<protocol::BootStatus> {
            return boot().status();
        });
    m_dispatcher.on<method::BootInstall>(
        [this](Session&, const protocol::BootInstallParams& params) -> protocol::Outcome<protocol::BootStatus> {
            std::string error;
            auto status = boot().install(params.mechanism, error);
            if (!error.empty()) return Error::make(ErrorCode::OperationFailed, error, {{"status", nlohmann::json(status)}});
            return status;
        });
    // Re-executes in place (same pid, so workers and the proxy stay our children); the new
    // image adopts them from children.json like after a crash, and the lock and socket are
    // released by close-on-exec and taken again.
    m_dispatcher.on_async<method::AgentUpgrade>(
        [this](const std::shared_ptr<Session>&, const protocol::AgentUpgradeParams& params,
               Dispatcher::Reply<method::AgentUpgrade> reply) {
            if (params.binary_path.empty() || params.binary_path.front() != '/')
                return reply(Error::make(ErrorCode::InvalidParams, "binary_path must be absolute", {{"field", "binary_path"}}));
            const auto binary = read_small_file(params.binary_path, 256 << 20);
            if (!binary) return reply(Error::make(ErrorCode::OperationFailed, "cannot read " + params.binary_path));
            if (sha256_hex(*binary) != params.sha256)
                return reply(Error::make(ErrorCode::OperationFailed, "sha256 of " + params.binary_path +
                                                                         " does not match; nothing was changed"));
            if (::access(params.binary_path.c_str(), X_OK) != 0)
                return reply(Error::make(ErrorCode::OperationFailed, params.binary_path + " is not executable"));
            const auto version = run_command({params.binary_path, "version"}, std::chrono::seconds(5));
            if (!version.ok())
                return reply(Error::make(ErrorCode::OperationFailed, "the new binary does not run: " + version.output));
            save_runtime_state();
            std::string new_version = version.output;
            while (!new_version.empty() && (new_version.back() == '\n' || new_version.back() == ' ')) new_version.pop_back();
            if (new_version.rfind("fulcrum-agent ", 0) == 0) new_version = new_version.substr(14);
            reply(protocol::AgentUpgradeResult{FULCRUM_VERSION, new_version, true});
            // Give the answer a moment to be written, then become the new binary.
            auto timer = std::make_shared<asio::steady_timer>(m_io, std::chrono::milliseconds(200));
            timer->async_wait([this, timer, path = params.binary_path](const asio::error_code&) {
                log_info("upgrading: re-executing " + path);
                std::vector<std::string> args = {path, "daemon", "--state-dir", m_options.paths.root.string(),
                                                 "--started-by", m_options.started_by};
                if (::geteuid() == 0) args.push_back("--allow-root");
                std::vector<char*> argv;
                for (auto& a : args) argv.push_back(a.data());
                argv.push_back(nullptr);
                m_acceptor.close();
                ::unlink(m_options.paths.socket().c_str());
                ::execv(path.c_str(), argv.data());
                log_error("re-exec of " + path + " failed: " + errno_text(errno) + "; carrying on with the old binary");
            });
        });
    m_dispatcher.on<method::ProxyStatusGet>(
        [this](Session&, const protocol::ProxyStatusParams&) -> protocol::Outcome<protocol::ProxyStatus> {
            auto status = m_proxy.status();
            status.configured = proxy_configured(m_document);
            return status;
        });
    m_dispatcher.on<method::SubscriptionCancel>(
        [](Session& session, const protocol::Subscription& params) -> protocol::Outcome<protocol::CancelResult> {
            if (!session.cancel_subscription(params.subscription))
                return Error::make(ErrorCode::NotFound,
                                   "no subscription " + std::to_string(params.subscription) + " on this connection");
            return protocol::CancelResult{true};
        });
    // Certificate files are small and local: read on the loop, bounded (certificate_files.h).
    m_dispatcher.on<method::TlsCertificates>(
        [](Session&, const protocol::TlsCertificatesParams& params) -> protocol::Outcome<protocol::TlsCertificatesResult> {
            if (params.paths.size() > protocol::kMaxCertificatePaths)
                return Error::make(ErrorCode::InvalidParams,
                                   "at most " + std::to_string(protocol::kMaxCertificatePaths) + " paths per call",
                                   {{"field", "paths"}});
            protocol::TlsCertificatesResult result;
            for (const auto& path : params.paths) result.certificates.push_back(describe_certificate_file(path));
            return result;
        });
    m_dispatcher.on<method::HostFactsGet>(
        [](Session&, const protocol::HostFactsParams&) -> protocol::Outcome<protocol::HostFacts> {
            return collect_host_facts();
        });
}

}  // namespace fulcrum::agent
