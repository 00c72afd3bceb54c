#include "ui/HostStatus.h"

#include "ui/Theme.h"

#include <QCoreApplication>

namespace fulcrum::ui {

QString HostStatusText::label(HostState state) {
    switch (state) {
    case HostState::Disconnected: return QCoreApplication::translate("HostStatus", "Not connected");
    case HostState::Connecting: return QCoreApplication::translate("HostStatus", "Connecting…");
    case HostState::Connected: return QCoreApplication::translate("HostStatus", "Connected");
    case HostState::Deploying: return QCoreApplication::translate("HostStatus", "Deploying agent…");
    case HostState::Rebooting: return QCoreApplication::translate("HostStatus", "Rebooting");
    case HostState::Unreachable: return QCoreApplication::translate("HostStatus", "Unreachable");
    case HostState::Error: return QCoreApplication::translate("HostStatus", "Error");
    }
    return {};
}

QString HostStatusText::hint(HostState state) {
    switch (state) {
    case HostState::Disconnected: return QCoreApplication::translate("HostStatus", "Connect to see live state.");
    case HostState::Connecting: return QCoreApplication::translate("HostStatus", "Opening the connection.");
    case HostState::Connected: return QCoreApplication::translate("HostStatus", "Live: changes show within a second.");
    case HostState::Deploying: return QCoreApplication::translate("HostStatus", "Uploading and starting the agent.");
    case HostState::Rebooting: return QCoreApplication::translate("HostStatus", "Reboot and verify is running.");
    case HostState::Unreachable:
        return QCoreApplication::translate("HostStatus", "No answer. Fulcrum keeps retrying; check the network or that sshd runs.");
    case HostState::Error: return QCoreApplication::translate("HostStatus", "Something failed; the host page says what and what to do.");
    }
    return {};
}

QString HostStatusText::line(HostState state, const QString& detail) {
    return detail.isEmpty() ? label(state) : label(state) + QStringLiteral(" · ") + detail;
}

QColor HostStatusText::color(HostState state) {
    switch (state) {
    case HostState::Connected: return Semantic::ok();
    case HostState::Connecting:
    case HostState::Deploying: return Semantic::busy();
    case HostState::Rebooting: return Semantic::warning();
    case HostState::Error: return Semantic::error();
    case HostState::Unreachable: return Semantic::error();
    case HostState::Disconnected: break;
    }
    return Semantic::muted();
}

}  // namespace fulcrum::ui
