#pragma once
// Takes one host out of the other hosts' load balancing before it reboots, and puts it back
// afterwards (issue 5 item 8, the rolling reboot). drain(): on every pool host, each server of
// a pool whose address names the host (one of `targetAddresses`, e.g. "198.18.0.12") is set
// to "draining" with config.apply (expected_version: an edit made meanwhile is never
// overwritten); then the proxies' own metrics are watched until those servers have no request
// in flight. restore(): each server drained here goes back to the state it had, unless someone
// changed it meanwhile (then it is left alone, and the evidence says so).
//
// Lives on the sessions' thread; time from a RebootClock, like RebootVerifier.

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QVector>
#include <chrono>
#include <functional>
#include <memory>

#include "agent/protocol/methods.h"
#include "app/reboot/reboot_clock.h"

namespace fulcrum::app {

class HostSession;

struct DrainOptions {
    std::chrono::milliseconds rpcTimeout{15000};
    std::chrono::milliseconds inFlightTimeout{60000};  // requests still running on drained servers
    std::chrono::milliseconds pollInterval{1000};      // the agents sample metrics once a second
};

class PoolDrain : public QObject {
    Q_OBJECT
  public:
    struct Server {
        int poolHost = 0;  // index into the pool hosts
        QString pool;
        QString address;
        QString previousState;  // "active", "draining" (already) ...
        qint64 inFlight = -1;   // last seen; -1 before the first sample after the drain
    };

    // Sessions must outlive the drain; a session that is not connected fails drain() (a pool
    // that cannot be edited could still send requests to the host going down).
    PoolDrain(QVector<HostSession*> poolHosts, QStringList targetAddresses, DrainOptions options = {},
              std::shared_ptr<RebootClock> clock = {}, QObject* parent = nullptr);

    // The addresses the machine going down reports on its interfaces (host.facts, "a/prefix"):
    // pools may name it by any of them. Per pool host, from that host's own facts: the same
    // boot_id is the same machine, and then its loopback networks ("127.0.0.1/8") are the
    // target's too; otherwise an address the pool host has itself (loopback, a docker0
    // 172.17.0.1 found on many machines) names the pool host, not the target.
    void setTargetMachine(const QString& bootId, const QStringList& reportedAddresses);

    void drain();    // once; ends with drained()
    void restore();  // after drain() ended (also after a failed one); ends with restored()

    const QVector<Server>& servers() const { return m_servers; }
    // True when `address` ("host:port", "[v6]:port") is on one of the target addresses.
    static bool addressOnHost(const QString& address, const QStringList& targetAddresses);
    // True when `address` ("host:port") is an IP address inside one of `networks` ("a/prefix").
    static bool addressInNetworks(const QString& address, const QStringList& networks);

  signals:
    void progress(const QString& line);
    void drained(bool ok, const QString& evidence);
    void restored(bool ok, const QString& evidence);

  private:
    void drainHost(int index);
    struct Matcher {
        QStringList names;     // host names and addresses, matched exactly
        QStringList networks;  // "a/prefix": every address inside
    };
    Matcher matcherFor(const protocol::HostFacts* poolHostFacts) const;
    void drainPools(int index, const Matcher& matcher);
    void waitInFlight();
    void checkInFlight(int index, std::shared_ptr<int> remaining);
    void restoreHost(int index, int attempt);
    void finishDrain(bool ok, const QString& line);
    void finishRestore();
    QString hostName(int index) const;
    template <class M, class F>
    void ask(int host, const typename M::Params& params, F&& onResult,
             std::function<void(const QString&)> onError);

    QVector<QPointer<HostSession>> m_hosts;
    QStringList m_targets;
    QString m_targetBootId;
    QStringList m_targetReported;
    DrainOptions m_options;
    std::shared_ptr<RebootClock> m_clock;
    QVector<Server> m_servers;
    QVector<qint64> m_baselineMs;  // per pool host: the newest metrics sample before the drain
    QStringList m_drainLog;
    QStringList m_restoreLog;
    bool m_restoreOk = true;
    qint64 m_inFlightDeadlineMs = 0;
    bool m_drainDone = false;
};

}  // namespace fulcrum::app
