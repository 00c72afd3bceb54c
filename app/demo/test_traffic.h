#pragma once
// "Send test traffic": a bounded burst of HTTP requests from this computer to a proxy
// listener, so the Traffic charts have something to show. Runs on a thread of its own (the
// window never waits for it), stops after `requests` requests or `seconds` seconds, whichever
// comes first, and can be cancelled at any time. The mix exercises every chart: pages, slow
// API calls (latency), static files, a few deliberate 500s and 404s (error rates).

#include <QObject>
#include <QString>

#include <atomic>

class QThread;

namespace fulcrum::app {

class TestTraffic : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 8080;
        int requests = 1500;      // at most this many
        int seconds = 30;         // and for at most this long
        int ratePerSecond = 50;   // average; the rate swells and ebbs so the charts have a shape
        int timeoutMs = 5000;     // per request
    };
    struct Tally {
        int sent = 0;
        int ok = 0;          // 2xx and 3xx
        int clientErrors = 0;  // 4xx
        int serverErrors = 0;  // 5xx
        int failed = 0;      // no HTTP answer: refused, reset, timed out
        QString lastFailure;
    };

    explicit TestTraffic(QObject* parent = nullptr);
    ~TestTraffic() override;  // cancels and waits for the thread (at most one request timeout)

    // False (and does nothing) if a run is already going.
    bool start(const Options& options);
    void cancel();
    bool isRunning() const;

    static QString summary(const Tally& tally);

signals:
    void progress(const fulcrum::app::TestTraffic::Tally& tally);
    void finished(const fulcrum::app::TestTraffic::Tally& tally);

private:
    void run(Options options);
    void report(const Tally& tally, bool done);

    QThread* m_thread = nullptr;
    std::atomic<bool> m_cancel{false};
};

}  // namespace fulcrum::app

Q_DECLARE_METATYPE(fulcrum::app::TestTraffic::Tally)
