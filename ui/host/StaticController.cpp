#include "ui/host/StaticController.h"

#include "app/demo/demo_config.h"
#include "app/deploy/certificate_pair.h"
#include "app/models/staged_config.h"
#include "app/rpc/agent_locator.h"
#include "ui/Settings.h"
#include "ui/pages/StaticHttpsPage.h"
#include "ui/widgets/MessageBanner.h"
#include "ui/widgets/StagedChangesBar.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QLocale>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardItemModel>

namespace fulcrum::ui {

StaticController::StaticController(app::HostSession* session, StaticHttpsPage* page, app::StagedConfig* config,
                                   QObject* parent)
    : HostPart(session, parent), m_page(page), m_config(config), m_routes(new QStandardItemModel(this)) {
    m_routes->setHorizontalHeaderLabels({tr("Host name"), tr("Path"), tr("Directory on the host"), tr("Caching")});
    page->setRoutesModel(m_routes);
    connect(config, &app::StagedConfig::stagedChanged, this, &StaticController::refreshRoutes);
    connect(config, &app::StagedConfig::stagedChanged, this, &StaticController::refreshCertificates);
    connect(page, &StaticHttpsPage::addRouteRequested, this, &StaticController::addRoute);
    connect(page, &StaticHttpsPage::removeRoutesRequested, this, &StaticController::removeRoutes);
    connect(page, &StaticHttpsPage::generateSelfSignedRequested, this, &StaticController::generate);
    connect(page, &StaticHttpsPage::uploadCertificateRequested, this, &StaticController::upload);
    refreshRoutes();
}

void StaticController::connected() {
    // Files on the host may have changed while disconnected (a renewal): read them all again.
    m_described.clear();
    m_asking.clear();
    m_describeProblem.clear();
    refreshCertificates();
}

void StaticController::refreshRoutes() {
    m_routes->removeRows(0, m_routes->rowCount());
    m_routeIndexes.clear();
    const QJsonArray routes = m_config->staged().value(QStringLiteral("routes")).toArray();
    for (int i = 0; i < routes.size(); ++i) {
        const QJsonObject r = routes[i].toObject();
        if (!r.contains(QStringLiteral("static"))) continue;
        const QJsonObject st = r.value(QStringLiteral("static")).toObject();
        const QString host = r.value(QStringLiteral("host")).toString();
        QList<QStandardItem*> row{new QStandardItem(host.isEmpty() ? tr("any") : host),
                                  new QStandardItem(r.value(QStringLiteral("path_prefix")).toString()),
                                  new QStandardItem(st.value(QStringLiteral("root")).toString()),
                                  new QStandardItem(st.value(QStringLiteral("cache_control")).toString(tr("default")))};
        m_routes->appendRow(row);
        m_routeIndexes << i;
    }
}

void StaticController::refreshCertificates() {
    QStringList paths, tlsListeners;
    for (const auto& l : m_config->staged().value(QStringLiteral("listeners")).toArray()) {
        const QJsonObject listener = l.toObject();
        if (listener.contains(QStringLiteral("tls"))) tlsListeners << listener.value(QStringLiteral("name")).toString();
        for (const auto& c : listener.value(QStringLiteral("tls")).toObject().value(QStringLiteral("certificates")).toArray()) {
            const QString path = c.toObject().value(QStringLiteral("cert")).toString();
            if (!path.isEmpty() && !paths.contains(path)) paths << path;
        }
    }
    m_page->setTlsListeners(tlsListeners);
    m_certificatePaths = paths;
    QStringList unknown;
    for (const QString& path : paths) {
        if (!m_described.contains(path) && !m_asking.contains(path)) unknown << path;
    }
    showCertificates();
    if (!unknown.isEmpty()) describeOnHost(unknown);
}

void StaticController::describeOnHost(const QStringList& paths) {
    if (!isConnected()) return;
    protocol::TlsCertificatesParams params;
    for (const QString& path : paths.mid(0, int(protocol::kMaxCertificatePaths))) {
        params.paths.push_back(path.toStdString());
        m_asking.insert(path);
    }
    call<protocol::method::TlsCertificates>(params, [this, paths](protocol::Outcome<protocol::TlsCertificatesResult> result) {
        for (const QString& path : paths) m_asking.remove(path);
        if (!result) {
            m_describeProblem = result.error().is(protocol::ErrorCode::MethodNotFound)
                                    ? tr("This host's agent cannot read certificates — update it (Host → Update agent)")
                                    : tr("The agent could not read it: %1").arg(QString::fromStdString(result.error().message));
        } else {
            m_describeProblem.clear();
            for (const auto& d : result.value().certificates) m_described.insert(QString::fromStdString(d.path), d);
        }
        showCertificates();
    });
}

void StaticController::showCertificates() {
    const auto q = [](const std::string& s) { return QString::fromStdString(s); };
    QList<StaticHttpsPage::Certificate> certs;
    for (const QString& path : m_certificatePaths) {
        StaticHttpsPage::Certificate cert;
        cert.name = QFileInfo(path).fileName();
        cert.path = path;
        const auto known = m_described.constFind(path);
        if (known == m_described.constEnd()) {
            cert.problem = m_describeProblem.isEmpty() ? tr("Reading it on the host…") : m_describeProblem;
            cert.pending = m_describeProblem.isEmpty();
        } else if (!known->error.empty()) {
            cert.problem = tr("Cannot be used: %1 on the host").arg(q(known->error));
        } else {
            cert.subject = known->common_name.empty() ? q(known->subject) : q(known->common_name);
            for (const auto& name : known->names) cert.sans << q(name);
            cert.notAfter = QDateTime::fromSecsSinceEpoch(known->not_after, Qt::UTC);
            cert.issuer = q(known->issuer);
            cert.selfSigned = known->self_signed;
        }
        certs << cert;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const int warnDays = settings()->get(Settings::Key::CertificateWarnDays).toInt();
    int expiring = 0;
    for (const auto& c : certs) {
        if (c.notAfter.isValid() && now.daysTo(c.notAfter) <= warnDays) ++expiring;
    }
    m_page->setCertificates(certs, now);
    if (expiring != m_expiringSoon) {
        m_expiringSoon = expiring;
        emit certificatesChanged();
    }
}

void StaticController::addRoute(const QString& host, const QString& prefix, const QString& root) {
    QJsonObject doc = m_config->staged();
    QJsonArray routes = doc.value(QStringLiteral("routes")).toArray();
    QJsonObject route{{QStringLiteral("path_prefix"), prefix},
                      {QStringLiteral("static"), QJsonObject{{QStringLiteral("root"), root}}}};
    if (!host.isEmpty()) route.insert(QStringLiteral("host"), host);
    // First match wins: a static route goes before the catch-all routes ("/") or it would
    // never be reached.
    int at = int(routes.size());
    for (int i = 0; i < routes.size(); ++i) {
        if (routes[i].toObject().value(QStringLiteral("path_prefix")).toString().size() < prefix.size()) {
            at = i;
            break;
        }
    }
    routes.insert(at, route);
    doc.insert(QStringLiteral("routes"), routes);
    m_config->setStaged(doc);
}

void StaticController::removeRoutes(const QList<int>& rows) {
    QJsonObject doc = m_config->staged();
    QJsonArray routes = doc.value(QStringLiteral("routes")).toArray();
    QList<int> indexes;
    for (int row : rows) {
        if (row >= 0 && row < m_routeIndexes.size()) indexes << m_routeIndexes[row];
    }
    std::sort(indexes.begin(), indexes.end(), std::greater<>());
    for (int i : indexes) routes.removeAt(i);
    doc.insert(QStringLiteral("routes"), routes);
    m_config->setStaged(doc);
}

void StaticController::generate(const QString& name, const QStringList& sans, int days) {
    if (!isLocal()) {
        m_page->showError(tr("Generating a certificate on this host is not available yet."),
                          tr("The agent has no call for it yet. On the host, run: fulcrum-agent cert self-signed "
                             "--host NAME"));
        return;
    }
    if (m_generator) return;
    const auto agent = app::locateAgentBinary();
    if (agent.path.isEmpty()) {
        m_page->showError(tr("The certificate was not generated."), agent.errorText());
        return;
    }
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    if (!safe.match(name).hasMatch() || sans.isEmpty()) {
        m_page->showError(tr("The certificate was not generated."),
                          tr("Use a name of letters, digits, dots and dashes, and at least one host name."));
        return;
    }
    const QString dir = QFileInfo(app::defaultDemoPaths({}).certPath).path();
    const QString cert = dir + QLatin1Char('/') + name + QStringLiteral(".crt");
    const QString key = dir + QLatin1Char('/') + name + QStringLiteral(".key");
    QStringList args{QStringLiteral("cert"), QStringLiteral("self-signed"), QStringLiteral("--days"), QString::number(days),
                     QStringLiteral("--cert"), cert, QStringLiteral("--key"), key, QStringLiteral("--force")};
    for (const auto& s : sans) args << QStringLiteral("--host") << s;
    m_generator = new QProcess(this);
    m_generator->setProcessChannelMode(QProcess::MergedChannels);
    connect(m_generator, &QProcess::finished, this, [this, cert, key](int code, QProcess::ExitStatus status) {
        const QString output = QString::fromUtf8(m_generator->read(16 * 1024)).trimmed();
        m_generator->deleteLater();
        m_generator = nullptr;
        if (status != QProcess::NormalExit || code != 0) {
            m_page->showError(tr("The certificate was not generated."), output);
            return;
        }
        // Staged onto the first TLS listener (or a new one on 8443): the user sees it in the
        // diff and applies it like any other change.
        m_described.remove(cert);
        stageCertificate(cert, key, firstTlsListener(), 8443);
        refreshCertificates();
        m_page->showInfo(tr("Certificate generated and staged."),
                         tr("%1 — apply to use it. The key stays on this computer (%2, mode 0600).").arg(cert, key));
    });
    m_generator->start(agent.path, args);
}

QString StaticController::firstTlsListener() const {
    for (const auto& l : m_config->staged().value(QStringLiteral("listeners")).toArray()) {
        if (l.toObject().contains(QStringLiteral("tls"))) return l.toObject().value(QStringLiteral("name")).toString();
    }
    return {};
}

void StaticController::stageCertificate(const QString& cert, const QString& key, const QString& listenerName, int newPort) {
    QJsonObject doc = m_config->staged();
    QJsonArray listeners = doc.value(QStringLiteral("listeners")).toArray();
    const QJsonObject entry{{QStringLiteral("cert"), cert}, {QStringLiteral("key"), key}};
    bool placed = false;
    QStringList names;
    for (int i = 0; i < listeners.size(); ++i) {
        QJsonObject l = listeners[i].toObject();
        names << l.value(QStringLiteral("name")).toString();
        if (placed || listenerName.isEmpty() || names.last() != listenerName) continue;
        QJsonObject tls = l.value(QStringLiteral("tls")).toObject();
        QJsonArray certs = tls.value(QStringLiteral("certificates")).toArray();
        if (!certs.contains(entry)) certs.append(entry);
        tls.insert(QStringLiteral("certificates"), certs);
        l.insert(QStringLiteral("tls"), tls);
        listeners[i] = l;
        placed = true;
    }
    if (!placed) {
        QString name = QStringLiteral("https");
        if (names.contains(name)) name = QStringLiteral("https-%1").arg(newPort);
        // This computer's demo stays on loopback; a server's HTTPS is for everyone.
        const QString address = QStringLiteral("%1:%2").arg(isLocal() ? QStringLiteral("127.0.0.1") : QStringLiteral("0.0.0.0")).arg(newPort);
        listeners.append(QJsonObject{{QStringLiteral("name"), name},
                                     {QStringLiteral("address"), address},
                                     {QStringLiteral("tls"), QJsonObject{{QStringLiteral("certificates"), QJsonArray{entry}}}}});
    }
    doc.insert(QStringLiteral("listeners"), listeners);
    m_config->setStaged(doc);
}

// Check here, upload over the host's session, stage: each step says plainly why it stopped.
void StaticController::upload(const QString& certPath, const QString& keyPath, const QString& listener, int newPort) {
    if (m_check || m_uploading) {
        m_page->showInfo(tr("A certificate is already being uploaded."), tr("Wait for it to finish, then try again."));
        return;
    }
    if (const QString problem = app::precheckCertificatePair(certPath, keyPath); !problem.isEmpty()) {
        m_page->showError(tr("The certificate was not uploaded."), problem);
        return;
    }
    m_page->banner()->showMessage(MessageBanner::Level::Info, tr("Checking the certificate and key…"));
    m_check = new app::CertificateCheck(this);
    connect(m_check, &app::CertificateCheck::finished, this,
            [this, certPath, keyPath, listener, newPort](const std::optional<app::CertificateFacts>& facts, const QString& error) {
                m_check->deleteLater();
                m_check = nullptr;
                if (!facts) {
                    m_page->showError(tr("The certificate was not uploaded."), error);
                    return;
                }
                install(*facts, certPath, keyPath, listener, newPort);
            });
    m_check->start(certPath, keyPath);
}

void StaticController::install(const app::CertificateFacts& facts, const QString& certPath, const QString& keyPath,
                               const QString& listener, int newPort) {
    auto* s = session();
    if (!s) return;
    m_uploading = true;
    const bool local = isLocal();
    const QString stem = app::certificateFileStem(facts.commonName.isEmpty() ? QFileInfo(certPath).completeBaseName()
                                                                             : facts.commonName);
    m_page->banner()->showMessage(MessageBanner::Level::Info,
                                  local ? tr("Installing the certificate for %1…").arg(facts.commonName)
                                        : tr("Uploading the certificate for %1 to the host…").arg(facts.commonName));
    using Result = std::variant<app::InstalledCertificate, app::SshError>;
    s->runOnSsh<Result>(
        [local, certPath, keyPath, stem](app::SshConnection* connection) {
            return app::installCertificatePair(connection, local, certPath, keyPath, stem);
        },
        this,
        [this, facts, listener, newPort](const Result& result) {
            m_uploading = false;
            if (const auto* error = std::get_if<app::SshError>(&result)) {
                m_page->showError(tr("The certificate was not uploaded."), error->fullText());
                return;
            }
            const auto& installed = std::get<app::InstalledCertificate>(result);
            m_described.remove(installed.certPath);  // a file of that name may have been replaced
            stageCertificate(installed.certPath, installed.keyPath, listener, newPort);
            refreshCertificates();
            const QString names = facts.names.isEmpty() ? facts.subject : facts.names.join(QStringLiteral(", "));
            m_page->showInfo(tr("Certificate for %1 uploaded and staged — apply to use it.").arg(names),
                             tr("%1, expires %2. On the host: %3 (key %4, readable only by the agent's user).")
                                 .arg(facts.keyType, QLocale().toString(facts.notAfter.toLocalTime().date(), QLocale::ShortFormat),
                                      installed.certPath, installed.keyPath));
        });
}

}  // namespace fulcrum::ui
