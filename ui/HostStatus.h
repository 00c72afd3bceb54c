#pragma once
// How the panel shows a host's state: one word, one colour, one sentence of what to do.
// The app core owns the real state machine; this is only its presentation.

#include <QColor>
#include <QMetaType>
#include <QString>

namespace fulcrum::ui {

enum class HostState { Disconnected, Connecting, Connected, Deploying, Rebooting, Unreachable, Error };

struct HostStatusText {
    static QString label(HostState state);
    static QString hint(HostState state);
    static QColor color(HostState state);
    // The one line the sidebar and the status bar show: the state's name, then what it does not
    // say itself (`detail`: the agent's version, why it failed, when it retries), if anything.
    static QString line(HostState state, const QString& detail);
};

// Item-data roles the host sidebar reads; the model adapter fills them.
enum HostListRole {
    HostIdRole = 0x0100 + 1,  // Qt::UserRole + 1
    HostStateRole,            // HostState as int
    HostDetailRole,           // what the state's name does not say: "agent 0.1.0", a failure's reason
    HostLocalRole,            // bool: "This computer"
    HostStatusLineRole,       // HostStatusText::line of the two above: what the sidebar shows
    HostSubtitleRole,         // "deploy@web1": how Fulcrum reaches it (empty for This computer)
};

}  // namespace fulcrum::ui

Q_DECLARE_METATYPE(fulcrum::ui::HostState)
