#include "ui/host/HostPart.h"

#include "app/models/format.h"
#include "ui/pages/SectionPage.h"

namespace fulcrum::ui {

HostPart::HostPart(app::HostSession* session, QObject* parent) : QObject(parent), m_session(session) {}

void HostPart::showRpcError(SectionPage* page, const QString& what, const protocol::Error& error) {
    if (error.is(protocol::ErrorCode::MethodNotFound)) {
        page->showError(tr("%1 is not available yet on this host's agent.").arg(what),
                        tr("The agent running there does not offer it (it answered: %1). Update the agent when a "
                           "version with this feature is available.")
                            .arg(QString::fromStdString(error.message)));
        return;
    }
    page->showError(app::plainError(what, error), QString());
}

}  // namespace fulcrum::ui
