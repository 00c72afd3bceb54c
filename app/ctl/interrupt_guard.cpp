#include "app/ctl/interrupt_guard.h"

#include <fcntl.h>
#include <unistd.h>

#include <QSocketNotifier>
#include <csignal>

namespace fulcrum::app::ctl {
namespace {

int g_pipe[2] = {-1, -1};

// Async-signal-safe: one byte into the pipe, and the next signal takes the default action.
void onSignal(int signal) {
    const char byte = char(signal);
    if (g_pipe[1] >= 0 && ::write(g_pipe[1], &byte, 1) < 0) {
        // Nothing else is safe to do here.
    }
    std::signal(signal, SIG_DFL);
}

}  // namespace

InterruptGuard::InterruptGuard(std::function<void()> onInterrupt, QObject* parent)
    : QObject(parent), m_onInterrupt(std::move(onInterrupt)) {
    if (g_pipe[0] >= 0 || ::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return;
    m_notifier = new QSocketNotifier(g_pipe[0], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, [this] {
        char byte = 0;
        while (::read(g_pipe[0], &byte, 1) > 0) {
        }
        if (m_interrupted) return;
        m_interrupted = true;
        if (m_onInterrupt) m_onInterrupt();
    });
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
}

InterruptGuard::~InterruptGuard() {
    if (!m_notifier) return;
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    delete m_notifier;
    ::close(g_pipe[0]);
    ::close(g_pipe[1]);
    g_pipe[0] = g_pipe[1] = -1;
}

}  // namespace fulcrum::app::ctl
