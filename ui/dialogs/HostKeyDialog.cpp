#include "ui/dialogs/HostKeyDialog.h"

#include "ui/Icons.h"
#include "ui/Theme.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace fulcrum::ui {

HostKeyDialog::HostKeyDialog(const QString& host, const QString& keyType, const QString& fingerprint, QWidget* parent)
    : QDialog(parent) {
    setObjectName(QStringLiteral("hostKeyDialog"));
    setWindowTitle(tr("Is this %1?").arg(host));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 20, 24, 16);
    layout->setSpacing(12);
    auto* top = new QHBoxLayout;
    auto* icon = new QLabel;
    icon->setPixmap(Icons::pixmap(QStringLiteral("key"), Semantic::accent(), 40, devicePixelRatioF()));
    top->addWidget(icon, 0, Qt::AlignTop);
    auto* intro = new QLabel(tr("<b>First connection to %1</b><br>The host presented this key. If it is the host you "
                                "mean, the fingerprint matches what <tt>ssh-keygen -lf</tt> prints on the host for its "
                                "key file in /etc/ssh/.")
                                 .arg(host.toHtmlEscaped()));
    intro->setWordWrap(true);
    top->addWidget(intro, 1);
    layout->addLayout(top);

    auto* type = new QLabel(keyType);
    type->setObjectName(QStringLiteral("hostKeyTypeLabel"));
    auto* print = new QLabel(fingerprint);
    print->setObjectName(QStringLiteral("hostKeyFingerprintLabel"));
    print->setProperty("role", QStringLiteral("mono"));
    print->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* grid = new QFrame;
    grid->setProperty("card", true);
    auto* gridLayout = new QVBoxLayout(grid);
    gridLayout->addWidget(type);
    gridLayout->addWidget(print);
    layout->addWidget(grid);

    auto* note = new QLabel(tr("Trusting adds the key to your ~/.ssh/known_hosts, which OpenSSH uses too."));
    note->setWordWrap(true);
    note->setProperty("role", QStringLiteral("muted"));
    layout->addWidget(note);

    auto* buttons = new QDialogButtonBox;
    auto* trust = buttons->addButton(tr("Trust and connect"), QDialogButtonBox::AcceptRole);
    trust->setObjectName(QStringLiteral("trustHostKeyButton"));
    trust->setProperty("primary", true);
    auto* cancel = buttons->addButton(QDialogButtonBox::Cancel);
    cancel->setObjectName(QStringLiteral("rejectHostKeyButton"));
    cancel->setDefault(true);  // Enter must not trust a key by accident.
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void HostKeyDialog::showChangedKey(QWidget* parent, const QString& host, const QString& keyType,
                                   const QString& fingerprint, const QString& knownHostsLine) {
    QMessageBox box(parent);
    box.setObjectName(QStringLiteral("changedHostKeyBox"));
    box.setIcon(QMessageBox::Critical);
    box.setWindowTitle(tr("The key of %1 has changed").arg(host));
    box.setText(tr("<b>Fulcrum did not connect to %1.</b> It presented a different key from the one you trusted before.")
                    .arg(host.toHtmlEscaped()));
    box.setInformativeText(
        tr("Either the host was reinstalled or its keys regenerated — or someone is between you and it.\n\n"
           "If you know it was reinstalled, check the new fingerprint on the host, then remove the old key with:\n"
           "    ssh-keygen -R %1\nand connect again.\n\nNew key: %2 %3\nOld key: %4")
            .arg(host, keyType, fingerprint, knownHostsLine));
    box.setStandardButtons(QMessageBox::Close);
    box.exec();
}

}  // namespace fulcrum::ui
