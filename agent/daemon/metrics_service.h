#pragma once
// Once a second: host figures, the proxy's counters as rates (admin `stats`), worker group
// states; one hour kept in a ring; metrics.history answers from it and metrics.subscribe
// streams each new sample as metrics.sample.

#include "agent/daemon/dispatcher.h"
#include "agent/metrics/host_sampler.h"
#include "agent/metrics/metrics_ring.h"
#include "agent/metrics/traffic_sampler.h"
#include "agent/proxyctl/admin_connection.h"
#include "agent/proxyctl/proxy_supervisor.h"
#include "agent/workers/supervisor.h"

#include <map>
#include <memory>

namespace fulcrum::agent {

class MetricsService {
public:
    MetricsService(Supervisor& supervisor, ProxySupervisor& proxy, Dispatcher& dispatcher,
                   std::function<std::int64_t()> next_subscription_id);

    void register_methods();
    // Takes one sample (the proxy part arrives asynchronously) and publishes it.
    void sample();
    const MetricsRing& ring() const { return m_ring; }
    std::size_t subscribers() const { return m_subscribers.size(); }

private:
    void publish(protocol::MetricsSample sample);

    Supervisor& m_supervisor;
    ProxySupervisor& m_proxy;
    Dispatcher& m_dispatcher;
    std::function<std::int64_t()> m_next_subscription_id;
    HostSampler m_host;
    TrafficSampler m_traffic;
    MetricsRing m_ring;
    AdminConnection m_stats;   // kept open: the proxy's stats every second without a new connection
    bool m_in_flight = false;  // a stats request is out; the next tick cancels it if it still is
    std::map<std::int64_t, std::weak_ptr<Session>> m_subscribers;
};

}  // namespace fulcrum::agent
