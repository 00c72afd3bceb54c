#include "ui/pages/StaticHttpsPage.h"
#include "ui/Plural.h"

#include "ui/Icons.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/widgets/Card.h"
#include "ui/widgets/StagedChangesBar.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTableView>
#include <QToolButton>

namespace fulcrum::ui {
namespace {

void styleTable(QTableView* t) {
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->verticalHeader()->hide();
    t->setShowGrid(false);
    t->setAlternatingRowColors(true);
    t->horizontalHeader()->setHighlightSections(false);
    t->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
}

// A PEM file picked by the user is read with a size cap: a certificate chain is a few KiB,
// and a wrong pick (a disk image) must not be read into memory.
QByteArray readPem(QWidget* parent, const QString& path, QString* error) {
    constexpr qint64 kMaxPem = 256 * 1024;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QObject::tr("Could not read %1: %2").arg(path, f.errorString());
        return {};
    }
    if (f.size() > kMaxPem) {
        *error = QObject::tr("%1 is %2 KiB; a PEM certificate or key is at most %3 KiB. Pick the .pem/.crt/.key file.")
                     .arg(path).arg(f.size() / 1024).arg(kMaxPem / 1024);
        return {};
    }
    QByteArray data = f.read(kMaxPem);
    if (!data.contains("-----BEGIN ")) {
        *error = QObject::tr("%1 is not a PEM file (no \"-----BEGIN\" line).").arg(path);
        return {};
    }
    Q_UNUSED(parent);
    return data;
}

}  // namespace

StaticHttpsPage::StaticHttpsPage(QWidget* parent)
    : SectionPage(QStringLiteral("staticHttpsPage"), QStringLiteral("https"), parent), m_routes(new QTableView),
      m_addRoute(toolButton(QStringLiteral("add"), tr("Add route"), QStringLiteral("addStaticRouteButton"),
                            tr("Serve a directory of this host for a host name and path prefix"))),
      m_removeRoute(toolButton(QStringLiteral("trash"), tr("Remove"), QStringLiteral("removeStaticRouteButton"),
                               tr("Remove the selected routes"))),
      m_certs(new QTableView), m_certModel(new QStandardItemModel(this)),
      m_generate(toolButton(QStringLiteral("key"), tr("Generate self-signed"), QStringLiteral("generateCertificateButton"),
                            tr("Create a key and a self-signed certificate on the host; the key never leaves it"))),
      m_upload(toolButton(QStringLiteral("upload"), tr("Upload certificate"), QStringLiteral("uploadCertificateButton"),
                          tr("Upload a certificate chain and its private key (PEM)"))),
      m_staged(new StagedChangesBar) {
    auto* routes = new Card(tr("Static files"), QStringLiteral("folder"));
    auto* routeTools = new QHBoxLayout;
    routeTools->addWidget(m_addRoute);
    routeTools->addWidget(m_removeRoute);
    routeTools->addStretch(1);
    routes->body()->addLayout(routeTools);
    m_routes->setObjectName(QStringLiteral("staticRoutesTable"));
    styleTable(m_routes);
    routes->body()->addWidget(m_routes, 1);
    contentLayout()->addWidget(routes, 1);

    auto* certs = new Card(tr("HTTPS certificates"), QStringLiteral("certificate"));
    auto* certTools = new QHBoxLayout;
    certTools->addWidget(m_generate);
    certTools->addWidget(m_upload);
    certTools->addStretch(1);
    certs->body()->addLayout(certTools);
    m_certs->setObjectName(QStringLiteral("certificatesTable"));
    styleTable(m_certs);
    m_certModel->setHorizontalHeaderLabels({tr("Name"), tr("Subject"), tr("Also valid for"), tr("Expires"), tr("Status")});
    m_certs->setModel(m_certModel);
    m_certs->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_certs->horizontalHeader()->setStretchLastSection(false);
    certs->body()->addWidget(m_certs, 1);
    contentLayout()->addWidget(certs, 1);
    contentLayout()->addWidget(m_staged);

    connect(m_addRoute, &QToolButton::clicked, this, &StaticHttpsPage::askForRoute);
    connect(m_removeRoute, &QToolButton::clicked, this, [this] {
        QList<int> rows;
        if (m_routes->selectionModel()) {
            for (const auto& i : m_routes->selectionModel()->selectedRows()) rows << i.row();
        }
        if (!rows.isEmpty()) emit removeRoutesRequested(rows);
    });
    connect(m_generate, &QToolButton::clicked, this, &StaticHttpsPage::askForSelfSigned);
    connect(m_upload, &QToolButton::clicked, this, &StaticHttpsPage::askForUpload);
}

void StaticHttpsPage::setRoutesModel(QAbstractItemModel* model) {
    m_routes->setModel(model);
    m_routes->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_routes->horizontalHeader()->setStretchLastSection(false);
    if (model && model->columnCount() > 2) m_routes->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
}

void StaticHttpsPage::setCertificates(const QList<Certificate>& certificates, const QDateTime& now) {
    const int warnDays = settings()->get(Settings::Key::CertificateWarnDays).toInt();
    m_certModel->removeRows(0, m_certModel->rowCount());
    for (const auto& c : certificates) {
        const qint64 days = now.daysTo(c.notAfter);
        QString status;
        QColor color;
        QString icon;
        if (days < 0) {
            status = plural(-days, "Expired %1 day ago — browsers refuse it", "Expired %1 days ago — browsers refuse it");
            color = Semantic::error();
            icon = QStringLiteral("error");
        } else if (days <= warnDays) {
            status = plural(days, "Expires in %1 day — renew it", "Expires in %1 days — renew it");
            color = Semantic::warning();
            icon = QStringLiteral("warning");
        } else {
            status = c.selfSigned ? tr("Valid · self-signed") : plural(days, "Valid · %1 day left", "Valid · %1 days left");
            color = Semantic::ok();
            icon = QStringLiteral("check-circle");
        }
        auto* statusItem = new QStandardItem(Icons::get(icon, color), status);
        statusItem->setForeground(color);
        QList<QStandardItem*> row{new QStandardItem(c.name), new QStandardItem(c.subject),
                                  new QStandardItem(c.sans.join(QStringLiteral(", "))),
                                  new QStandardItem(QLocale().toString(c.notAfter.toLocalTime().date(), QLocale::ShortFormat)),
                                  statusItem};
        row[1]->setToolTip(tr("Issued by %1").arg(c.issuer));
        m_certModel->appendRow(row);
    }
    m_certs->resizeColumnsToContents();
}

void StaticHttpsPage::askForRoute() {
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("addStaticRouteDialog"));
    dialog.setWindowTitle(tr("Serve static files"));
    auto* form = new QFormLayout(&dialog);
    auto* host = new QLineEdit(&dialog);
    host->setObjectName(QStringLiteral("routeHostEdit"));
    host->setPlaceholderText(tr("any host name"));
    auto* prefix = new QLineEdit(QStringLiteral("/static/"), &dialog);
    prefix->setObjectName(QStringLiteral("routePrefixEdit"));
    auto* root = new QLineEdit(&dialog);
    root->setObjectName(QStringLiteral("routeRootEdit"));
    root->setPlaceholderText(tr("a directory on the host, e.g. /home/me/site/static"));
    auto* error = new QLabel(&dialog);
    error->setWordWrap(true);
    error->setStyleSheet(QStringLiteral("color: #cf222e"));
    error->hide();
    form->addRow(tr("Host name"), host);
    form->addRow(tr("Path prefix"), prefix);
    form->addRow(tr("Directory on the host"), root);
    form->addRow(error);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        if (!prefix->text().startsWith(QLatin1Char('/'))) {
            error->setText(tr("The path prefix starts with \"/\", for example /static/."));
        } else if (!root->text().startsWith(QLatin1Char('/'))) {
            error->setText(tr("Give the directory as an absolute path on the host, starting with \"/\"."));
        } else {
            dialog.accept();
            return;
        }
        error->show();
    });
    if (dialog.exec() == QDialog::Accepted) emit addRouteRequested(host->text().trimmed(), prefix->text().trimmed(), root->text().trimmed());
}

void StaticHttpsPage::askForSelfSigned() {
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("selfSignedDialog"));
    dialog.setWindowTitle(tr("Generate a self-signed certificate"));
    auto* form = new QFormLayout(&dialog);
    auto* name = new QLineEdit(QStringLiteral("selfsigned"), &dialog);
    auto* sans = new QLineEdit(QStringLiteral("localhost, 127.0.0.1"), &dialog);
    sans->setObjectName(QStringLiteral("certificateSansEdit"));
    auto* days = new QSpinBox(&dialog);
    days->setRange(1, 3650);
    days->setValue(365);
    days->setSuffix(tr(" days"));
    auto* note = new QLabel(tr("Browsers warn about self-signed certificates; use one for testing or for "
                               "machines only you connect to."), &dialog);
    note->setWordWrap(true);
    note->setProperty("role", QStringLiteral("muted"));
    form->addRow(tr("Name"), name);
    form->addRow(tr("Host names and IPs"), sans);
    form->addRow(tr("Valid for"), days);
    form->addRow(note);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Generate"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted) return;
    QStringList list;
    for (const auto& s : sans->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) list << s.trimmed();
    emit generateSelfSignedRequested(name->text().trimmed(), list, days->value());
}

void StaticHttpsPage::askForUpload() {
    const QString cert = QFileDialog::getOpenFileName(this, tr("Certificate chain (PEM)"), QString(),
                                                      tr("Certificates (*.pem *.crt *.cer);;All files (*)"));
    if (cert.isEmpty()) return;
    const QString key = QFileDialog::getOpenFileName(this, tr("Private key (PEM)"), QString(),
                                                     tr("Keys (*.pem *.key);;All files (*)"));
    if (key.isEmpty()) return;
    QString error;
    const QByteArray certPem = readPem(this, cert, &error);
    const QByteArray keyPem = error.isEmpty() ? readPem(this, key, &error) : QByteArray();
    if (!error.isEmpty()) {
        showError(tr("The certificate was not uploaded."), error);
        return;
    }
    emit uploadCertificateRequested(QFileInfo(cert).completeBaseName(), certPem, keyPem);
}

}  // namespace fulcrum::ui
