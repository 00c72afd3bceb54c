#pragma once
// The method table: one descriptor per JSON-RPC method and notification, shared by the agent
// (server) and the panel (client), so names and types cannot drift apart.
//
//   struct WorkersList { name; Params; Result; }   →   client.call<WorkersList>(params, callback)

#include "agent/protocol/config.h"
#include "agent/protocol/hello.h"
#include "agent/protocol/host.h"
#include "agent/protocol/logs.h"
#include "agent/protocol/metrics.h"
#include "agent/protocol/system.h"
#include "agent/protocol/tls.h"
#include "agent/protocol/workers.h"

#include <string_view>
#include <tuple>

namespace fulcrum::protocol {

#define FULCRUM_METHOD(Struct, method_name, ParamsType, ResultType) \
    struct Struct {                                                   \
        static constexpr std::string_view name = method_name;         \
        using Params = ParamsType;                                    \
        using Result = ResultType;                                    \
    };

#define FULCRUM_NOTIFICATION(Struct, method_name, ParamsType) \
    struct Struct {                                             \
        static constexpr std::string_view name = method_name;   \
        using Params = ParamsType;                              \
    };

namespace method {
FULCRUM_METHOD(AgentHello, "agent.hello", HelloParams, HelloResult)
FULCRUM_METHOD(AgentUpgrade, "agent.upgrade", AgentUpgradeParams, AgentUpgradeResult)
FULCRUM_METHOD(HostFactsGet, "host.facts", HostFactsParams, HostFacts)
FULCRUM_METHOD(ConfigGet, "config.get", ConfigGetParams, ConfigGetResult)
FULCRUM_METHOD(ConfigValidate, "config.validate", ConfigValidateParams, ConfigValidateResult)
FULCRUM_METHOD(ConfigApply, "config.apply", ConfigApplyParams, ConfigApplyResult)
FULCRUM_METHOD(ConfigHistory, "config.history", ConfigHistoryParams, ConfigHistoryResult)
FULCRUM_METHOD(ConfigRollback, "config.rollback", ConfigRollbackParams, ConfigApplyResult)
FULCRUM_METHOD(WorkersList, "workers.list", WorkersListParams, WorkersListResult)
FULCRUM_METHOD(WorkersStart, "workers.start", WorkersTarget, WorkerGroupStatus)
FULCRUM_METHOD(WorkersStop, "workers.stop", WorkersTarget, WorkerGroupStatus)
FULCRUM_METHOD(WorkersRestart, "workers.restart", WorkersTarget, WorkerGroupStatus)
FULCRUM_METHOD(WorkersScale, "workers.scale", WorkersScaleParams, WorkerGroupStatus)
FULCRUM_METHOD(LogsTail, "logs.tail", LogsTailParams, LogsTailResult)
FULCRUM_METHOD(LogsFollow, "logs.follow", LogsFollowParams, Subscription)
FULCRUM_METHOD(MetricsHistory, "metrics.history", MetricsHistoryParams, MetricsHistoryResult)
FULCRUM_METHOD(MetricsSubscribe, "metrics.subscribe", MetricsSubscribeParams, MetricsSubscribeResult)
FULCRUM_METHOD(SubscriptionCancel, "subscription.cancel", Subscription, CancelResult)
FULCRUM_METHOD(BootStatusGet, "boot.status", BootStatusParams, BootStatus)
FULCRUM_METHOD(BootInstall, "boot.install", BootInstallParams, BootStatus)
FULCRUM_METHOD(ProxyStatusGet, "proxy.status", ProxyStatusParams, ProxyStatus)
FULCRUM_METHOD(TlsCertificates, "tls.certificates", TlsCertificatesParams, TlsCertificatesResult)

using All = std::tuple<AgentHello, AgentUpgrade, HostFactsGet, ConfigGet, ConfigValidate, ConfigApply, ConfigHistory,
                       ConfigRollback, WorkersList, WorkersStart, WorkersStop, WorkersRestart, WorkersScale, LogsTail,
                       LogsFollow, MetricsHistory, MetricsSubscribe, SubscriptionCancel, BootStatusGet, BootInstall,
                       ProxyStatusGet, TlsCertificates>;
}  // namespace method

namespace notification {
FULCRUM_NOTIFICATION(WorkersChangedN, "workers.changed", WorkersChanged)
FULCRUM_NOTIFICATION(ConfigChangedN, "config.changed", ConfigChanged)
FULCRUM_NOTIFICATION(ProxyChangedN, "proxy.changed", ProxyChanged)
FULCRUM_NOTIFICATION(MetricsSampleN, "metrics.sample", MetricsSampleNotification)
FULCRUM_NOTIFICATION(LogsLineN, "logs.line", LogsLineNotification)

using All = std::tuple<WorkersChangedN, ConfigChangedN, ProxyChangedN, MetricsSampleN, LogsLineN>;
}  // namespace notification

#undef FULCRUM_METHOD
#undef FULCRUM_NOTIFICATION

}  // namespace fulcrum::protocol
