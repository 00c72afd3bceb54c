#pragma once
// Static file routes (host + path prefix → a directory the proxy serves itself) and the
// host's TLS certificates with subject, SANs and expiry, warning well before one runs out.
// A self-signed certificate can be generated on the host, or a certificate and key uploaded.

#include "ui/pages/SectionPage.h"

#include <QDateTime>

class QAbstractItemModel;
class QStandardItemModel;
class QTableView;
class QToolButton;

namespace fulcrum::ui {

class StagedChangesBar;

class StaticHttpsPage : public SectionPage {
    Q_OBJECT
public:
    struct Certificate {
        QString name;
        QString path;  // on the host
        // Why nothing below is known ("Cannot be used: no such file on the host"); with
        // `pending`, only that it is being read.
        QString problem;
        bool pending = false;
        QString subject;
        QStringList sans;
        QDateTime notAfter;
        QString issuer;
        bool selfSigned = false;
    };

    explicit StaticHttpsPage(QWidget* parent = nullptr);

    QTableView* routesTable() const { return m_routes; }
    QTableView* certificatesTable() const { return m_certs; }
    StagedChangesBar* stagedBar() const { return m_staged; }
    void setRoutesModel(QAbstractItemModel* model);
    void setCertificates(const QList<Certificate>& certificates, const QDateTime& now);
    // The TLS listeners of the staged config, offered by "Upload certificate".
    void setTlsListeners(const QStringList& names);

signals:
    void addRouteRequested(const QString& host, const QString& pathPrefix, const QString& root);
    void removeRoutesRequested(const QList<int>& rows);
    void generateSelfSignedRequested(const QString& name, const QStringList& sans, int days);
    // `listener`: the name of the TLS listener to add it to; empty for a new one on `newPort`.
    void uploadCertificateRequested(const QString& certPath, const QString& keyPath, const QString& listener, int newPort);

private:
    void askForRoute();
    void askForSelfSigned();
    void askForUpload();

    QTableView* m_routes;
    QToolButton* m_addRoute;
    QToolButton* m_removeRoute;
    QTableView* m_certs;
    QStandardItemModel* m_certModel;
    QToolButton* m_generate;
    QToolButton* m_upload;
    StagedChangesBar* m_staged;
    QStringList m_tlsListeners;
};

}  // namespace fulcrum::ui
