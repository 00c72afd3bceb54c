#pragma once
// Static & HTTPS: static routes of the staged config (add/remove are staged like pool edits)
// and the listeners' certificates. On "This computer" certificates are read from their files
// (subject, SANs, expiry) and "Generate self-signed" runs `fulcrum-agent cert self-signed`.
// "Upload certificate" checks a PEM pair here, puts it on the host over its session (SFTP, or
// a local copy for This computer) and stages it on a listener; remote certificates read only
// on the host are listed by path (the agent cannot describe them yet).

#include "app/deploy/certificate_pair.h"
#include "ui/host/HostPart.h"

#include <QHash>

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
    void upload(const QString& certPath, const QString& keyPath, const QString& listener, int newPort);
    void install(const app::CertificateFacts& facts, const QString& certPath, const QString& keyPath,
                 const QString& listener, int newPort);
    // Adds the pair to the TLS listener `listenerName`, or to a new HTTPS listener on `newPort`.
    void stageCertificate(const QString& cert, const QString& key, const QString& listenerName, int newPort);
    QString firstTlsListener() const;

    StaticHttpsPage* m_page;
    app::StagedConfig* m_config;
    QStandardItemModel* m_routes;
    QList<int> m_routeIndexes;  // row → index in the document's "routes"
    QProcess* m_generator = nullptr;
    app::CertificateCheck* m_check = nullptr;
    bool m_uploading = false;
    QHash<QString, app::CertificateFacts> m_uploaded;  // by path on the host: read here before upload
    int m_expiringSoon = 0;
};

}  // namespace fulcrum::ui
