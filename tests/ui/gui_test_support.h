#pragma once
// Helpers shared by the GUI tests that run real agents: free loopback ports for their
// configs, and (rpc_sync.h) a blocking RPC call that keeps the event loop running.

#include "tests/ui/rpc_sync.h"

#include <QRandomGenerator>
#include <QTcpServer>
#include <QTest>
#include <QWidget>

#include <csignal>

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

// With FULCRUM_SCREENSHOT_DIR set, saves `window` as NAME.png there (the README shows some).
inline void screenshot(QWidget* window, const QString& name) {
    const QString dir = qEnvironmentVariable("FULCRUM_SCREENSHOT_DIR");
    if (dir.isEmpty()) return;
    QTest::qWait(300);  // let the last updates paint
    window->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
}

// Ends a daemon the rpc bridge started detached (it must not outlive the test), waiting up to 5 s.
inline void stopDaemon(qint64 pid) {
    if (pid <= 0) return;
    ::kill(pid_t(pid), SIGTERM);
    for (int i = 0; i < 100 && ::kill(pid_t(pid), 0) == 0; ++i) QTest::qWait(50);
}

}  // namespace fulcrum::ui::test
