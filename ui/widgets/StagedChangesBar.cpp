#include "ui/widgets/StagedChangesBar.h"
#include "ui/Plural.h"

#include "ui/Icons.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace fulcrum::ui {

StagedChangesBar::StagedChangesBar(QWidget* parent)
    : QWidget(parent), m_label(new QLabel(this)), m_status(new QLabel(this)), m_spinner(new QProgressBar(this)),
      m_validate(new QPushButton(Icons::get(QStringLiteral("validate")), tr("Validate"), this)),
      m_diff(new QPushButton(Icons::get(QStringLiteral("diff")), tr("Diff"), this)),
      m_discard(new QPushButton(Icons::get(QStringLiteral("discard")), tr("Discard"), this)),
      m_apply(new QPushButton(Icons::get(QStringLiteral("apply"), Qt::white), tr("Apply"), this)) {
    setObjectName(QStringLiteral("stagedChangesBar"));
    setAttribute(Qt::WA_StyledBackground);
    m_label->setObjectName(QStringLiteral("stagedChangesLabel"));
    m_status->setObjectName(QStringLiteral("stagedChangesStatus"));
    m_status->setProperty("role", QStringLiteral("muted"));
    m_validate->setObjectName(QStringLiteral("validateButton"));
    m_diff->setObjectName(QStringLiteral("diffButton"));
    m_discard->setObjectName(QStringLiteral("discardButton"));
    m_apply->setObjectName(QStringLiteral("applyButton"));
    m_apply->setProperty("primary", true);
    m_validate->setToolTip(tr("Ask the host whether the staged configuration is valid, without applying it"));
    m_diff->setToolTip(tr("Show what Apply would change"));
    m_discard->setToolTip(tr("Forget the staged edits"));
    m_apply->setToolTip(tr("Validate and apply on the host (Ctrl+S)"));
    m_spinner->setRange(0, 0);
    m_spinner->setFixedWidth(80);
    m_spinner->setTextVisible(false);
    m_spinner->hide();

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(16, 8, 16, 8);
    layout->addWidget(m_label);
    layout->addWidget(m_status, 1);
    layout->addWidget(m_spinner);
    layout->addWidget(m_validate);
    layout->addWidget(m_diff);
    layout->addWidget(m_discard);
    layout->addWidget(m_apply);

    connect(m_validate, &QPushButton::clicked, this, &StagedChangesBar::validateRequested);
    connect(m_diff, &QPushButton::clicked, this, &StagedChangesBar::diffRequested);
    connect(m_discard, &QPushButton::clicked, this, &StagedChangesBar::discardRequested);
    connect(m_apply, &QPushButton::clicked, this, &StagedChangesBar::applyRequested);
    refresh();
}

void StagedChangesBar::setChangeCount(int count) {
    m_count = count;
    refresh();
}

void StagedChangesBar::setBusy(bool busy, const QString& text) {
    m_busy = busy;
    if (!text.isEmpty() || busy) m_status->setText(text);
    refresh();
}

void StagedChangesBar::setStatusText(const QString& text) { m_status->setText(text); }

void StagedChangesBar::refresh() {
    m_label->setText(m_count == 0 ? tr("No unapplied changes")
                                  : plural(m_count, "%1 change not applied yet", "%1 changes not applied yet"));
    const bool enabled = m_count > 0 && !m_busy;
    m_validate->setEnabled(enabled);
    m_diff->setEnabled(enabled);
    m_discard->setEnabled(enabled);
    m_apply->setEnabled(enabled);
    m_spinner->setVisible(m_busy);
    setVisible(m_count > 0 || m_busy || !m_status->text().isEmpty());
}

}  // namespace fulcrum::ui
