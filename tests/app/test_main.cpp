// GoogleTest main for app/ tests: a QCoreApplication exists for the whole run, so tests can
// spin event loops (QSignalSpy::wait, QTest::qWait) with bounded timeouts.
#include <QCoreApplication>

#include <gtest/gtest.h>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
