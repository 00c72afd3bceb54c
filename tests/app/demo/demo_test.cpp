// The demo's config template fills in to a complete host config, and "send test traffic"
// really reaches an HTTP server: the demo's own WSGI app under waitress on a loopback port.
#include "app/demo/demo_config.h"
#include "app/demo/test_traffic.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QTcpServer>

#include <gtest/gtest.h>

using namespace fulcrum::app;

TEST(DemoConfig, TemplateFillsInToACompleteConfig) {
    const QString dir = locateDemoDirectory();
    ASSERT_FALSE(dir.isEmpty());
    DemoPaths paths = defaultDemoPaths(dir);
    paths.certPath = QStringLiteral("/tmp/with \"quote\"/demo.crt");
    QString error;
    const QJsonObject doc = loadDemoConfig(paths, &error);
    ASSERT_TRUE(error.isEmpty()) << error.toStdString();
    const QJsonObject web = doc["workers"].toArray()[0].toObject();
    EXPECT_EQ(web["name"].toString(), QStringLiteral("web"));
    EXPECT_EQ(web["count"].toInt(), 4);
    EXPECT_EQ(web["base_port"].toInt(), 8000);
    EXPECT_EQ(web["cwd"].toString(), dir);
    const QJsonObject https = doc["listeners"].toArray()[1].toObject();
    EXPECT_EQ(https["address"].toString(), QStringLiteral("127.0.0.1:8443"));
    EXPECT_EQ(https["tls"].toObject()["certificates"].toArray()[0].toObject()["cert"].toString(), paths.certPath);
    const QJsonObject staticRoute = doc["routes"].toArray()[0].toObject();
    EXPECT_EQ(staticRoute["static"].toObject()["root"].toString(), dir + QStringLiteral("/static"));
    EXPECT_EQ(doc["pools"].toArray()[0].toObject()["follow_workers"].toString(), QStringLiteral("web"));
    EXPECT_TRUE(selfSignedArguments(paths).contains(paths.keyPath));

    DemoPaths missing = paths;
    missing.demoDir = QStringLiteral("/nonexistent");
    EXPECT_TRUE(loadDemoConfig(missing, &error).isEmpty());
    EXPECT_TRUE(error.contains(QStringLiteral("/nonexistent"))) << error.toStdString();
}

TEST(DemoConfig, FilledTemplatePassesTheAgentsChecker) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    DemoPaths paths = defaultDemoPaths(locateDemoDirectory());
    paths.certPath = dir.filePath(QStringLiteral("demo.crt"));
    paths.keyPath = dir.filePath(QStringLiteral("demo.key"));
    QProcess cert;
    cert.start(QStringLiteral(FULCRUM_TEST_AGENT), selfSignedArguments(paths));
    ASSERT_TRUE(cert.waitForFinished(30000));
    ASSERT_EQ(cert.exitCode(), 0) << cert.readAllStandardError().toStdString();
    QString error;
    const QJsonObject doc = loadDemoConfig(paths, &error);
    ASSERT_TRUE(error.isEmpty());
    QFile file(dir.filePath(QStringLiteral("host.json")));
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(doc).toJson());
    file.close();
    QProcess check;
    check.setProcessChannelMode(QProcess::MergedChannels);
    check.start(QStringLiteral(FULCRUM_TEST_AGENT), {QStringLiteral("check"), file.fileName()});
    ASSERT_TRUE(check.waitForFinished(30000));
    EXPECT_EQ(check.exitCode(), 0) << check.readAll().toStdString();
}

namespace {

// The demo worker on a port the kernel picks; waitress prints "Serving on http://HOST:PORT".
struct DemoWorker {
    QProcess process;
    quint16 port = 0;

    bool start() {
        process.setWorkingDirectory(locateDemoDirectory());
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(QStringLiteral("/usr/bin/waitress-serve"),
                      {QStringLiteral("--listen=127.0.0.1:0"), QStringLiteral("demo_app:application")});
        if (!process.waitForStarted(5000)) return false;
        QByteArray out;
        static const QRegularExpression serving(QStringLiteral(R"(Serving on http://127\.0\.0\.1:(\d+))"));
        for (int i = 0; i < 100 && port == 0; ++i) {
            process.waitForReadyRead(100);
            out += process.readAll();
            const auto m = serving.match(QString::fromUtf8(out));
            if (m.hasMatch()) port = quint16(m.captured(1).toUInt());
        }
        return port != 0;
    }
    ~DemoWorker() {
        process.kill();
        process.waitForFinished(5000);
    }
};

}  // namespace

TEST(TestTraffic, SendsABoundedMixToARealServer) {
    DemoWorker worker;
    ASSERT_TRUE(worker.start()) << "waitress did not start";
    TestTraffic traffic;
    QSignalSpy finished(&traffic, &TestTraffic::finished);
    TestTraffic::Options o;
    o.port = worker.port;
    o.requests = 60;
    o.ratePerSecond = 200;
    ASSERT_TRUE(traffic.start(o));
    EXPECT_FALSE(traffic.start(o)) << "one run at a time";
    ASSERT_TRUE(finished.wait(30000));
    const auto tally = finished.first().first().value<TestTraffic::Tally>();
    EXPECT_EQ(tally.sent, 60);
    EXPECT_EQ(tally.failed, 0) << tally.lastFailure.toStdString();
    EXPECT_GT(tally.ok, 0);
    EXPECT_EQ(tally.ok + tally.clientErrors + tally.serverErrors, 60);
    EXPECT_FALSE(traffic.isRunning());
}

TEST(TestTraffic, ANonListeningPortFailsEveryRequestQuicklyAndSaysWhy) {
    QTcpServer probe;
    ASSERT_TRUE(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();  // now nothing listens there
    TestTraffic traffic;
    QSignalSpy finished(&traffic, &TestTraffic::finished);
    TestTraffic::Options o;
    o.port = port;
    o.requests = 10;
    o.ratePerSecond = 100;
    ASSERT_TRUE(traffic.start(o));
    ASSERT_TRUE(finished.wait(10000));
    const auto tally = finished.first().first().value<TestTraffic::Tally>();
    EXPECT_EQ(tally.failed, 10);
    EXPECT_TRUE(tally.lastFailure.contains(QStringLiteral("refused"), Qt::CaseInsensitive)) << tally.lastFailure.toStdString();
    EXPECT_TRUE(TestTraffic::summary(tally).contains(QStringLiteral("10 without an answer")));
}

TEST(TestTraffic, CancelStopsTheRun) {
    DemoWorker worker;
    ASSERT_TRUE(worker.start());
    TestTraffic traffic;
    QSignalSpy finished(&traffic, &TestTraffic::finished);
    TestTraffic::Options o;
    o.port = worker.port;
    o.requests = 100000;
    o.seconds = 60;
    o.ratePerSecond = 20;
    ASSERT_TRUE(traffic.start(o));
    QTest::qWait(300);
    traffic.cancel();
    ASSERT_TRUE(finished.wait(10000));
    EXPECT_LT(finished.first().first().value<TestTraffic::Tally>().sent, 100);
}
