#include "ui/host/RebootTargets.h"

#include "app/models/staged_config.h"
#include "app/rpc/host_session.h"

namespace fulcrum::ui {

RebootTargets::RebootTargets(QObject* parent) : QObject(parent) {
    setObjectName(QStringLiteral("rebootTargets"));
}

RebootTargets* RebootTargets::of(QObject* window) {
    if (auto* existing = window->findChild<RebootTargets*>(QStringLiteral("rebootTargets"), Qt::FindDirectChildrenOnly))
        return existing;
    return new RebootTargets(window);
}

void RebootTargets::add(const QString& id, app::HostSession* session, app::StagedConfig* config) {
    remove(id);
    m_hosts.append({id, session, config, nullptr});
    connect(session, &app::HostSession::stateChanged, this, &RebootTargets::changed);
    connect(session, &QObject::destroyed, this, [this, id] { remove(id); });
    emit changed();
}

void RebootTargets::remove(const QString& id) {
    for (qsizetype i = 0; i < m_hosts.size(); ++i) {
        if (m_hosts[i].id != id) continue;
        if (m_hosts[i].session) disconnect(m_hosts[i].session, nullptr, this, nullptr);
        m_hosts.removeAt(i);
        emit changed();
        return;
    }
}

QList<RebootTargets::Host> RebootTargets::hosts() const {
    QList<Host> live;
    for (const Host& h : m_hosts)
        if (h.session) live.append(h);
    return live;
}

const RebootTargets::Host* RebootTargets::find(const QString& id) const {
    for (const Host& h : m_hosts)
        if (h.id == id && h.session) return &h;
    return nullptr;
}

RebootTargets::Host* RebootTargets::findMutable(const QString& id) {
    for (Host& h : m_hosts)
        if (h.id == id && h.session) return &h;
    return nullptr;
}

bool RebootTargets::claim(const QString& id, QObject* run) {
    Host* h = findMutable(id);
    if (!h || (h->claimedBy && h->claimedBy != run)) return false;
    h->claimedBy = run;
    emit changed();
    return true;
}

void RebootTargets::release(const QString& id, QObject* run) {
    Host* h = findMutable(id);
    if (!h || h->claimedBy != run) return;
    h->claimedBy = nullptr;
    emit changed();
}

}  // namespace fulcrum::ui
