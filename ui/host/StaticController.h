#pragma once
// Static & HTTPS: static routes of the staged config (add/remove are staged like pool edits)
// and the listeners' certificates. On "This computer" certificates are read from their files
// (subject, SANs, expiry) and "Generate self-signed" runs `fulcrum-agent cert self-signed`;
// for remote hosts the agent has no call for either yet, and the page says so.

#include "ui/host/HostPart.h"

class QProcess;
class QStandardItemModel;

namespace fulcrum::app {
class StagedConfig;
}

namespace fulcrum::ui {

class StaticHttpsPage;

class StaticController : public HostPart {
    Q_OBJECT
public:
    StaticController(app::HostSession* session, StaticHttpsPage* page, app::StagedConfig* config,
                     QObject* parent = nullptr);

    void connected() override;
    int expiringSoon() const { return m_expiringSoon; }

signals:
    void certificatesChanged();

private:
    void refreshRoutes();
    void refreshCertificates();
    void addRoute(const QString& host, const QString& prefix, const QString& root);
    void removeRoutes(const QList<int>& rows);
    void generate(const QString& name, const QStringList& sans, int days);

    StaticHttpsPage* m_page;
    app::StagedConfig* m_config;
    QStandardItemModel* m_routes;
    QList<int> m_routeIndexes;  // row → index in the document's "routes"
    QProcess* m_generator = nullptr;
    int m_expiringSoon = 0;
};

}  // namespace fulcrum::ui
