#pragma once
// Helpers shared by the GUI tests that run real agents: free loopback ports for their
// configs, and (rpc_sync.h) a blocking RPC call that keeps the event loop running.

#include "tests/ui/rpc_sync.h"

#include <QImage>
#include <QRandomGenerator>
#include <QScrollBar>
#include <QStyleOptionSlider>
#include <QTcpServer>
#include <QTest>
#include <QWidget>

#include <cmath>
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

// WCAG's contrast ratio of two colours (1 to 21).
inline double contrastRatio(const QColor& a, const QColor& b) {
    const auto luminance = [](const QColor& c) {
        const auto linear = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * linear(c.redF()) + 0.7152 * linear(c.greenF()) + 0.0722 * linear(c.blueF());
    };
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

// How a vertical scroll bar looks, in its rendered pixels: the handle's middle against the
// middle of the longer stretch of groove beside it.
inline double handleContrast(QScrollBar* bar, QString* colours = nullptr) {
    QStyleOptionSlider option;
    option.initFrom(bar);
    option.orientation = bar->orientation();
    option.minimum = bar->minimum();
    option.maximum = bar->maximum();
    option.sliderPosition = option.sliderValue = bar->value();
    option.pageStep = bar->pageStep();
    option.singleStep = bar->singleStep();
    option.subControls = QStyle::SC_All;
    const QRect handle = bar->style()->subControlRect(QStyle::CC_ScrollBar, &option, QStyle::SC_ScrollBarSlider, bar);
    const QRect groove = bar->style()->subControlRect(QStyle::CC_ScrollBar, &option, QStyle::SC_ScrollBarGroove, bar);
    const QImage image = bar->grab().toImage();
    const QColor inHandle = image.pixelColor(handle.center());
    const bool above = handle.top() - groove.top() > groove.bottom() - handle.bottom();
    const QColor inGroove =
        image.pixelColor(handle.center().x(), above ? (groove.top() + handle.top()) / 2 : (handle.bottom() + groove.bottom()) / 2);
    if (colours) *colours = QStringLiteral("handle %1 on groove %2").arg(inHandle.name(), inGroove.name());
    return contrastRatio(inHandle, inGroove);
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
