#pragma once
// Runs a function once on the next event-loop pass, however often schedule() was called
// before it: a model sends several signals per metrics sample (a row removed, one inserted,
// new servers), and a chart should redraw once per sample, not once per signal.

#include <QMetaObject>
#include <QObject>

#include <functional>

namespace fulcrum::ui {

class CoalescedCall {
public:
    // `context` owns this object (or outlives it); the call does not run once it is gone.
    CoalescedCall(QObject* context, std::function<void()> call) : m_context(context), m_call(std::move(call)) {}

    void schedule() {
        if (m_pending) return;
        m_pending = true;
        QMetaObject::invokeMethod(m_context, [this] {
            m_pending = false;
            m_call();
        }, Qt::QueuedConnection);
    }

private:
    QObject* m_context;
    std::function<void()> m_call;
    bool m_pending = false;
};

}  // namespace fulcrum::ui
