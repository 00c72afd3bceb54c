#pragma once
// Time for reboot-and-verify: timestamps, phase timeouts, polling and the stability window all
// go through this, so tests can drive a whole verification with a clock they advance by hand
// (time is the only thing tests may fake; RPC, processes and sockets stay real).

#include <QDateTime>
#include <QObject>
#include <QTimer>

#include <chrono>
#include <functional>

namespace fulcrum::app {

class RebootClock {
public:
    virtual ~RebootClock() = default;
    // Unix time in milliseconds.
    virtual qint64 nowMs() const = 0;
    // Runs `fn` once after `delay` on `context`'s thread, unless `context` is gone by then.
    virtual void callAfter(std::chrono::milliseconds delay, QObject* context, std::function<void()> fn) = 0;
};

class SystemRebootClock final : public RebootClock {
public:
    qint64 nowMs() const override { return QDateTime::currentMSecsSinceEpoch(); }
    void callAfter(std::chrono::milliseconds delay, QObject* context, std::function<void()> fn) override {
        QTimer::singleShot(delay, context, std::move(fn));
    }
};

}  // namespace fulcrum::app
