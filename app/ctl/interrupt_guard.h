#pragma once
// Turns the first Ctrl-C (SIGINT) or SIGTERM into a call on the event loop's thread, so a
// command that changed hosts (drained pools, a reboot in progress) can put things back before
// it exits. A second signal ends the process the default way. One guard at a time.

#include <QObject>
#include <functional>

class QSocketNotifier;

namespace fulcrum::app::ctl {

class InterruptGuard : public QObject {
  public:
    explicit InterruptGuard(std::function<void()> onInterrupt, QObject* parent = nullptr);
    ~InterruptGuard() override;
    bool interrupted() const { return m_interrupted; }

  private:
    std::function<void()> m_onInterrupt;
    QSocketNotifier* m_notifier = nullptr;
    bool m_interrupted = false;
};

}  // namespace fulcrum::app::ctl
