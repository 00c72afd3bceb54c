#pragma once
// Follows one host's proxy child: proxy.status on every connection, then the agent's
// proxy.changed notifications. When the proxy should run and does not, it also reads the
// proxy's last stderr line (logs.tail of "proxy"), so the pages can say what the proxy said.
// "Start the proxy again" applies the host's current config once more, which is how the
// agent leaves "failing" (a fresh set of tries).

#include "ui/host/HostPart.h"
#include "ui/host/ProxyProblem.h"

#include <functional>
#include <optional>

namespace fulcrum::ui {

class ProxyWatch : public HostPart {
    Q_OBJECT
public:
    explicit ProxyWatch(app::HostSession* session, QObject* parent = nullptr);

    void connected() override;
    void disconnected() override;

    // nullopt: not known (not connected, or the agent has no proxy.status).
    const std::optional<protocol::ProxyStatus>& status() const { return m_status; }
    const std::optional<ProxyProblem>& problem() const { return m_problem; }

    // Applies the host's current config again; `done(error)`, empty once the agent took it.
    void startAgain(std::function<void(const QString& error)> done);

signals:
    void changed();

private:
    void setStatus(const std::optional<protocol::ProxyStatus>& status);
    void publish();

    std::optional<protocol::ProxyStatus> m_status;
    std::optional<ProxyProblem> m_problem;
    QString m_lastError;
    quint64 m_generation = 0;  // a late logs.tail answer for an older status is dropped
};

}  // namespace fulcrum::ui
