#include "app/demo/test_traffic.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QThread>

#include <algorithm>
#include <cmath>

namespace fulcrum::app {
namespace {

constexpr qint64 kMaxResponseBytes = 1024 * 1024;

// One request on its own connection; returns the status code, or 0 with `error` set.
int fetch(const TestTraffic::Options& o, const QByteArray& path, QString* error) {
    QTcpSocket socket;
    socket.connectToHost(o.host, o.port);
    if (!socket.waitForConnected(o.timeoutMs)) {
        *error = socket.errorString();
        return 0;
    }
    socket.write("GET " + path + " HTTP/1.1\r\nHost: " + o.host.toLatin1() + ":" + QByteArray::number(o.port) +
                 "\r\nUser-Agent: fulcrum-test-traffic\r\nConnection: close\r\n\r\n");
    QByteArray head;
    qint64 total = 0;
    QElapsedTimer timer;
    timer.start();
    // Read to the end so the proxy sees a complete exchange (bytes out, latency); bounded.
    while (total < kMaxResponseBytes && timer.elapsed() < o.timeoutMs) {
        if (!socket.waitForReadyRead(int(std::max<qint64>(1, o.timeoutMs - timer.elapsed())))) break;
        const QByteArray chunk = socket.read(kMaxResponseBytes - total);
        total += chunk.size();
        if (head.size() < 64) head += chunk.left(64 - head.size());
    }
    if (!head.startsWith("HTTP/1.")) {
        *error = head.isEmpty() ? (socket.error() == QAbstractSocket::RemoteHostClosedError
                                       ? QObject::tr("the connection closed without an answer")
                                       : socket.errorString())
                                : QObject::tr("not an HTTP answer");
        return 0;
    }
    const int space = int(head.indexOf(' '));
    return head.mid(space + 1, 3).toInt();
}

QByteArray pickPath(QRandomGenerator& random) {
    const int roll = int(random.bounded(100));
    if (roll < 55) return "/";
    if (roll < 80) return "/api/work?ms=" + QByteArray::number(5 + random.bounded(120));
    if (roll < 90) return "/static/style.css";
    if (roll < 94) return "/api/whoami";
    if (roll < 97) return "/api/fail";
    return "/no-such-page";
}

}  // namespace

TestTraffic::TestTraffic(QObject* parent) : QObject(parent) { qRegisterMetaType<Tally>(); }

TestTraffic::~TestTraffic() {
    cancel();
    if (m_thread) {
        m_thread->wait();
        delete m_thread;
    }
}

bool TestTraffic::isRunning() const { return m_thread && m_thread->isRunning(); }

bool TestTraffic::start(const Options& options) {
    if (isRunning()) return false;
    delete m_thread;
    m_cancel = false;
    Options bounded = options;
    bounded.requests = std::clamp(bounded.requests, 1, 100000);
    bounded.seconds = std::clamp(bounded.seconds, 1, 600);
    bounded.ratePerSecond = std::clamp(bounded.ratePerSecond, 1, 1000);
    m_thread = QThread::create([this, bounded] { run(bounded); });
    m_thread->setObjectName(QStringLiteral("test traffic"));
    m_thread->start();
    return true;
}

void TestTraffic::cancel() { m_cancel = true; }

void TestTraffic::report(const Tally& tally, bool done) {
    QMetaObject::invokeMethod(
        this,
        [this, tally, done] {
            if (!done) return emit progress(tally);
            // The final report is the thread's last act: wait the moment it takes to end, so
            // that whoever handles finished() sees isRunning() false and may start again.
            if (m_thread) m_thread->wait();
            emit finished(tally);
        },
        Qt::QueuedConnection);
}

void TestTraffic::run(Options o) {
    Tally tally;
    QRandomGenerator random(quint32(QRandomGenerator::global()->generate()));
    QElapsedTimer clock;
    clock.start();
    double due = 0;  // msecs at which the next request is due
    while (!m_cancel && tally.sent < o.requests && clock.elapsed() < qint64(o.seconds) * 1000) {
        const double t = double(clock.elapsed()) / 1000.0;
        // 40 % to 160 % of the average rate over a 20 s period: a visible wave, not a flat line.
        const double rate = o.ratePerSecond * (1.0 + 0.6 * std::sin(t * 2 * M_PI / 20.0));
        due += 1000.0 / std::max(1.0, rate);
        QString error;
        const int status = fetch(o, pickPath(random), &error);
        ++tally.sent;
        if (status == 0) {
            ++tally.failed;
            tally.lastFailure = error;
        } else if (status >= 500) {
            ++tally.serverErrors;
        } else if (status >= 400) {
            ++tally.clientErrors;
        } else {
            ++tally.ok;
        }
        if (tally.sent % 25 == 0) report(tally, false);
        const qint64 wait = qint64(due) - clock.elapsed();
        if (wait > 0) QThread::msleep(std::min<qint64>(wait, 1000));
        // A dead listener must not spin: after a failure, wait at least the pacing interval.
    }
    report(tally, true);
}

QString TestTraffic::summary(const Tally& t) {
    QString text = QObject::tr("%1 requests: %2 answered OK, %3 client errors, %4 server errors")
                       .arg(t.sent)
                       .arg(t.ok)
                       .arg(t.clientErrors)
                       .arg(t.serverErrors);
    if (t.failed > 0) text += QObject::tr(", %1 without an answer (%2)").arg(t.failed).arg(t.lastFailure);
    return text + QLatin1Char('.');
}

}  // namespace fulcrum::app
