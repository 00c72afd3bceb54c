#pragma once
// The hosts a window's Reboot & verify pages can choose from: every host with a session, as
// registered by its HostController, with its staged config (unapplied edits are a preflight
// warning). A run claims the hosts it reboots, so two pages never reboot the same host at once.
// One per window (a child of it), so separate windows and tests do not share hosts.

#include <QObject>
#include <QPointer>

namespace fulcrum::app {
class HostSession;
class StagedConfig;
}  // namespace fulcrum::app

namespace fulcrum::ui {

class RebootTargets : public QObject {
    Q_OBJECT
public:
    struct Host {
        QString id;
        QPointer<app::HostSession> session;
        QPointer<app::StagedConfig> config;
        QPointer<QObject> claimedBy;  // the run rebooting it, or null
    };

    // The window's registry, made on first use.
    static RebootTargets* of(QObject* window);

    void add(const QString& id, app::HostSession* session, app::StagedConfig* config);
    void remove(const QString& id);
    // In the order the hosts were added.
    QList<Host> hosts() const;
    const Host* find(const QString& id) const;

    // False when another run has it.
    bool claim(const QString& id, QObject* run);
    void release(const QString& id, QObject* run);

signals:
    // A host came or went, changed its connection state, or was claimed or released.
    void changed();

private:
    explicit RebootTargets(QObject* parent);
    Host* findMutable(const QString& id);

    QList<Host> m_hosts;
};

}  // namespace fulcrum::ui
