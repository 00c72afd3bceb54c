#include "ui/dialogs/AboutDialog.h"

#include "ui/Icons.h"
#include "ui/dialogs/ui_AboutDialog.h"

#include <QPushButton>
#include <QSysInfo>

namespace fulcrum::ui {

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent), m_ui(new Ui::AboutDialog) {
    m_ui->setupUi(this);
    m_ui->iconLabel->setPixmap(Icons::application().pixmap(72, 72));
    m_ui->versionLabel->setText(tr("Version %1").arg(QStringLiteral(FULCRUM_VERSION)));
    m_ui->detailsLabel->setText(tr("Qt %1 · %2 · %3\nThe agent on each host is the same version as this panel; "
                                   "Fulcrum offers to update it when they differ.")
                                    .arg(QString::fromLatin1(qVersion()), QSysInfo::prettyProductName(),
                                         QSysInfo::currentCpuArchitecture()));
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

AboutDialog::~AboutDialog() = default;

}  // namespace fulcrum::ui
