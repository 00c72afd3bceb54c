#pragma once
// Static & HTTPS: static routes of the staged config (add/remove are staged like pool edits)
// and the listeners' certificates. Every certificate file the staged config names is read by
// the host's agent (`tls.certificates`: subject, SANs, expiry, with the proxy's own reader),
// whoever put it there — uploaded from here, by hand, by certbot. On "This computer"
// "Generate self-signed" runs `fulcrum-agent cert self-signed`. "Upload certificate" checks a
// PEM pair here, puts it on the host over its session (SFTP, or a local copy for This
// computer) and stages it on a listener.

#include "app/deploy/certificate_pair.h"
#include "ui/host/HostPart.h"

#include "agent/protocol/tls.h"

#include <QHash>
#include <QSet>

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
    // Asks the agent about `paths` (at most 64; the rest at the next refresh); the answer
    // replaces what is known of them.
    void describeOnHost(const QStringList& paths);
    void showCertificates();
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
    QStringList m_certificatePaths;  // named by the staged config, in listener order
    QHash<QString, protocol::CertificateDescription> m_described;  // by path, as the agent last read it
    QString m_describeProblem;  // why the agent could not be asked, for every row it leaves unknown
    QSet<QString> m_asking;     // paths the agent is reading now
    int m_expiringSoon = 0;
};

}  // namespace fulcrum::ui
