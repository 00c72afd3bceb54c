#include "agent/daemon/metrics_service.h"

#include "agent/daemon/clock.h"
#include "agent/daemon/session.h"

namespace fulcrum::agent {

namespace method = protocol::method;

namespace {
// Only if ticks stop (they cancel a late request first); beyond the next tick, so it is never
// the reactor's earliest timer.
constexpr std::chrono::seconds kStatsBackstop{5};
}  // namespace
using protocol::Error;
using protocol::ErrorCode;

MetricsService::MetricsService(Supervisor& supervisor, ProxySupervisor& proxy, Dispatcher& dispatcher,
                               std::function<std::int64_t()> next_subscription_id)
    : m_supervisor(supervisor),
      m_proxy(proxy),
      m_dispatcher(dispatcher),
      m_next_subscription_id(std::move(next_subscription_id)),
      m_stats(proxy.admin().io(), proxy.admin().path()) {}

void MetricsService::sample() {
    // A stats answer still out is a whole tick late: the tick is its deadline. That sample goes
    // out without the proxy's part, as before with a 900 ms timer, but no timer has to wake
    // the daemon just before every tick (a cancelled timer still fires the reactor's timerfd).
    if (m_in_flight) m_stats.cancel("no answer from the proxy within a second");
    protocol::MetricsSample sample;
    sample.time_ms = now_ms();
    sample.host = m_host.sample(steady_ms());
    for (const auto& group : m_supervisor.statuses()) {
        protocol::WorkerGroupSample w;
        w.group = group.name;
        w.desired = group.desired_count;
        w.state = nlohmann::json(group.state).get<std::string>();
        for (const auto& instance : group.instances) {
            if (instance.state == protocol::InstanceState::running) ++w.running;
            w.cpu_percent += instance.cpu_percent;
            w.rss_bytes += instance.rss_bytes;
        }
        sample.workers.push_back(std::move(w));
    }
    if (!m_proxy.ready()) {
        m_traffic.reset();
        return publish(std::move(sample));
    }
    m_in_flight = true;
    m_stats.request({{"command", "stats"}}, kStatsBackstop,
                            [this, sample = std::move(sample)](AdminAnswer answer) mutable {
                                m_in_flight = false;
                                if (answer.ok) {
                                    sample.proxy_running = true;
                                    sample.pools = m_traffic.sample(answer.body.value("stats", nlohmann::json::object()),
                                                                    steady_ms());
                                }
                                publish(std::move(sample));
                            });
}

void MetricsService::publish(protocol::MetricsSample sample) {
    for (auto it = m_subscribers.begin(); it != m_subscribers.end();) {
        auto session = it->second.lock();
        if (!session || !session->open()) {
            it = m_subscribers.erase(it);
            continue;
        }
        session->send(protocol::make_notification<protocol::notification::MetricsSampleN>({it->first, sample}));
        ++it;
    }
    m_ring.push(std::move(sample));
}

void MetricsService::register_methods() {
    m_dispatcher.on<method::MetricsHistory>(
        [this](Session&, const protocol::MetricsHistoryParams& params) -> protocol::Outcome<protocol::MetricsHistoryResult> {
            if (params.max_samples < 0)
                return Error::make(ErrorCode::InvalidParams, "max_samples must not be negative", {{"field", "max_samples"}});
            return protocol::MetricsHistoryResult{1000, m_ring.history(params.since_ms, params.max_samples)};
        });
    m_dispatcher.on<method::MetricsSubscribe>(
        [this](Session& session, const protocol::MetricsSubscribeParams&) -> protocol::Outcome<protocol::MetricsSubscribeResult> {
            const std::int64_t id = m_next_subscription_id();
            m_subscribers[id] = session.weak_from_this();
            session.add_subscription(id, [this, id] { m_subscribers.erase(id); });
            return protocol::MetricsSubscribeResult{id, 1000};
        });
}

}  // namespace fulcrum::agent
