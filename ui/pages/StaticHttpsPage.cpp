#include "ui/pages/StaticHttpsPage.h"
#include "ui/Plural.h"

#include "ui/Icons.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/widgets/Card.h"
#include "ui/widgets/StagedChangesBar.h"

#include <QComboBox>
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
        if (!c.problem.isEmpty()) {
            status = c.problem;
            color = c.pending ? Semantic::muted() : Semantic::error();
            icon = c.pending ? QStringLiteral("clock") : QStringLiteral("error");
        } else if (days < 0) {
            status = plural(-days, "Expired %1 day ago — browsers refuse it", "Expired %1 days ago — browsers refuse it");
            color = Semantic::error();
            icon = QStringLiteral("error");
        } else if (days <= warnDays) {
            status = plural(days, "Expires in %1 day — renew it", "Expires in %1 days — renew it");
            color = Semantic::warning();
            icon = QStringLiteral("warning");
        } else {
            status = c.selfSigned ? plural(days, "Valid · self-signed · %1 day left", "Valid · self-signed · %1 days left")
                                  : plural(days, "Valid · %1 day left", "Valid · %1 days left");
            color = Semantic::ok();
            icon = QStringLiteral("check-circle");
        }
        auto* statusItem = new QStandardItem(Icons::get(icon, color), status);
        statusItem->setForeground(color);
        statusItem->setData(c.problem.isEmpty() ? QString() : c.problem, Qt::ToolTipRole);
        auto* name = new QStandardItem(c.name);
        name->setToolTip(c.path);
        QList<QStandardItem*> row{name, new QStandardItem(c.subject), new QStandardItem(c.sans.join(QStringLiteral(", "))),
                                  new QStandardItem(c.notAfter.isValid()
                                                        ? QLocale().toString(c.notAfter.toLocalTime().date(), QLocale::ShortFormat)
                                                        : QString()),
                                  statusItem};
        if (!c.issuer.isEmpty()) row[1]->setToolTip(tr("Issued by %1").arg(c.issuer));
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

void StaticHttpsPage::setTlsListeners(const QStringList& names) { m_tlsListeners = names; }

// Two files picked here, and where to use them. The files are checked by the controller (key
// belongs to the certificate, not encrypted) before anything is uploaded; this dialog only
// makes sure both are named.
void StaticHttpsPage::askForUpload() {
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("uploadCertificateDialog"));
    dialog.setWindowTitle(tr("Upload a certificate and key"));
    dialog.setMinimumWidth(520);
    auto* form = new QFormLayout(&dialog);
    const auto filePicker = [&dialog](const QString& name, const QString& title, const QString& filter) {
        auto* row = new QHBoxLayout;
        auto* edit = new QLineEdit(&dialog);
        edit->setObjectName(name);
        auto* browse = new QPushButton(tr("Choose…"), &dialog);
        browse->setObjectName(name + QStringLiteral("Browse"));
        row->addWidget(edit, 1);
        row->addWidget(browse);
        connect(browse, &QPushButton::clicked, &dialog, [&dialog, edit, title, filter] {
            const QString path = QFileDialog::getOpenFileName(&dialog, title, QFileInfo(edit->text()).path(), filter);
            if (!path.isEmpty()) edit->setText(path);
        });
        return std::pair{edit, row};
    };
    // Plain variables, not structured bindings: the lambdas below capture them (clang 14).
    const auto certPicker = filePicker(QStringLiteral("certificateFileEdit"), tr("Certificate chain (PEM)"),
                                       tr("Certificates (*.pem *.crt *.cer);;All files (*)"));
    const auto keyPicker = filePicker(QStringLiteral("keyFileEdit"), tr("Private key (PEM)"),
                                      tr("Keys (*.pem *.key);;All files (*)"));
    QLineEdit* cert = certPicker.first;
    QLineEdit* key = keyPicker.first;
    QHBoxLayout* certRow = certPicker.second;
    QHBoxLayout* keyRow = keyPicker.second;
    cert->setPlaceholderText(tr("the server's certificate first, then its chain"));
    key->setPlaceholderText(tr("unencrypted PEM key"));
    auto* listener = new QComboBox(&dialog);
    listener->setObjectName(QStringLiteral("certificateListenerCombo"));
    for (const QString& name : m_tlsListeners) listener->addItem(tr("HTTPS listener “%1”").arg(name), name);
    listener->addItem(tr("A new HTTPS listener"), QString());
    auto* port = new QSpinBox(&dialog);
    port->setObjectName(QStringLiteral("newListenerPortSpin"));
    port->setRange(1, 65535);
    port->setValue(8443);
    port->setPrefix(tr("port "));
    const auto updatePort = [listener, port] { port->setEnabled(listener->currentData().toString().isEmpty()); };
    connect(listener, &QComboBox::currentIndexChanged, &dialog, updatePort);
    updatePort();
    auto* useOn = new QHBoxLayout;
    useOn->addWidget(listener, 1);
    useOn->addWidget(port);
    auto* note = new QLabel(tr("Both files are checked on this computer first: the key must belong to the certificate. "
                               "They are then copied to the host next to the agent (the key readable only by its "
                               "user) and the listener change is staged for you to apply."),
                            &dialog);
    note->setWordWrap(true);
    note->setProperty("role", QStringLiteral("muted"));
    auto* error = new QLabel(&dialog);
    error->setObjectName(QStringLiteral("uploadCertificateError"));
    error->setWordWrap(true);
    error->setStyleSheet(QStringLiteral("color: %1").arg(Semantic::error().name()));
    error->hide();
    form->addRow(tr("Certificate"), certRow);
    form->addRow(tr("Private key"), keyRow);
    form->addRow(tr("Use it on"), useOn);
    form->addRow(note);
    form->addRow(error);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Check and upload"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        if (cert->text().trimmed().isEmpty() || key->text().trimmed().isEmpty()) {
            error->setText(tr("Choose both files: the certificate and its private key."));
            error->show();
            return;
        }
        dialog.accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted) return;
    emit uploadCertificateRequested(cert->text().trimmed(), key->text().trimmed(), listener->currentData().toString(),
                                    port->value());
}

}  // namespace fulcrum::ui
