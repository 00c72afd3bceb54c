#pragma once
// Worker groups running on another connected host, for a pool that spreads over machines:
// the pool's proxy reaches each instance at ADDRESS:PORT, ADDRESS being how this computer
// reaches that host.

#include <QList>
#include <QString>

namespace fulcrum::ui {

struct PeerWorkerGroup {
    QString name;
    QList<int> ports;
    // The command binds 127.0.0.1/localhost/::1: other machines cannot reach it as it is.
    bool loopbackOnly = false;
};

struct PeerWorkers {
    QString hostId;
    QString hostName;  // as in the sidebar
    QString address;   // host name or IP address, as the SSH connection uses it
    QList<PeerWorkerGroup> groups;
};

}  // namespace fulcrum::ui
