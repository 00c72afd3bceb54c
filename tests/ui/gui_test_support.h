#pragma once
// Helpers shared by the GUI tests that run real agents: free loopback ports for their
// configs, and (rpc_sync.h) a blocking RPC call that keeps the event loop running.

#include "tests/ui/rpc_sync.h"

#include <QRandomGenerator>
#include <QTcpServer>
#include <QTest>

namespace fulcrum::ui::test {

// A loopback port nothing listens on right now (the kernel's pick; released for the agent).
inline quint16 freePort() {
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

// The first of `count` consecutive free loopback ports (a worker group's base_port range).
inline quint16 freePortRange(int count) {
    for (int attempt = 0; attempt < 200; ++attempt) {
        const quint16 base = quint16(20000 + QRandomGenerator::global()->bounded(40000));
        QList<QTcpServer*> held;
        bool ok = true;
        for (int i = 0; i < count && ok; ++i) {
            auto* s = new QTcpServer;
            ok = s->listen(QHostAddress::LocalHost, quint16(base + i));
            held << s;
        }
        qDeleteAll(held);
        if (ok) return base;
    }
    return 0;
}

}  // namespace fulcrum::ui::test
