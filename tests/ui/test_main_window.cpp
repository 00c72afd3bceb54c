// The main window as a user meets it: hosts in the sidebar with their state, sections by
// tab and by Ctrl+1..6, the status bar, geometry remembered across runs, the root warning.
#include "ui/HostPage.h"
#include "ui/HostStatus.h"
#include "ui/MainWindow.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/dialogs/AddHostWizard.h"
#include "ui/pages/SectionPage.h"
#include "ui/widgets/MessageBanner.h"
#include "ui/widgets/StatusPill.h"

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QScrollBar>
#include <QStyle>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTabBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <pwd.h>
#include <unistd.h>

using namespace fulcrum::ui;

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        Settings::useFile(m_dir.filePath(QStringLiteral("settings.ini")));
        Theme::instance()->install(*qApp);
    }

    void sidebarListsHostsWithTheirState() {
        MainWindow window;
        window.show();
        auto* list = window.findChild<QListView*>(QStringLiteral("hostList"));
        QVERIFY(list);
        window.addHost(QStringLiteral("local"), QStringLiteral("This computer"), QString(), true);
        window.addHost(QStringLiteral("web1"), QStringLiteral("web1"), QStringLiteral("deploy@web1"), false);
        QCOMPARE(list->model()->rowCount(), 2);
        window.setHostState(QStringLiteral("web1"), HostState::Unreachable, QStringLiteral("no route to host"));
        const QModelIndex web1 = list->model()->index(1, 0);
        QCOMPARE(web1.data(HostStateRole).toInt(), int(HostState::Unreachable));
        window.selectHost(QStringLiteral("web1"));
        auto* status = window.findChild<QLabel*>(QStringLiteral("connectionStatusLabel"));
        QVERIFY(status->text().contains(QStringLiteral("Unreachable")));
        QVERIFY(status->text().contains(QStringLiteral("no route to host")));
        auto* pill = window.hostPage(QStringLiteral("web1"))->findChild<StatusPill*>(QStringLiteral("hostStatusPill"));
        QCOMPARE(pill->text(), QStringLiteral("Unreachable"));
        // "This computer" cannot be removed; a remote host can, through the sidebar button.
        auto* remove = window.findChild<QToolButton*>(QStringLiteral("removeHostButton"));
        QVERIFY(remove->isEnabled());
        QSignalSpy removeRequested(&window, &MainWindow::removeHostRequested);
        QTest::mouseClick(remove, Qt::LeftButton);
        QCOMPARE(removeRequested.count(), 1);
        QCOMPARE(removeRequested.first().first().toString(), QStringLiteral("web1"));
        window.selectHost(QStringLiteral("local"));
        QVERIFY(!remove->isEnabled());
        window.removeHost(QStringLiteral("web1"));
        QCOMPARE(list->model()->rowCount(), 1);
    }

    void sectionsFollowTabsAndShortcuts() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* page = window.addHost(QStringLiteral("local"), QStringLiteral("This computer"), QString(), true);
        window.selectHost(QStringLiteral("local"));
        auto* tabs = page->findChild<QTabBar*>(QStringLiteral("sectionTabs"));
        QCOMPARE(tabs->count(), int(HostPage::SectionCount));
        QTest::keyClick(&window, Qt::Key_4, Qt::ControlModifier);
        QCOMPARE(page->section(), int(HostPage::Traffic));
        QTest::keyClick(&window, Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(page->section(), int(HostPage::Pools));
        tabs->setCurrentIndex(HostPage::Reboot);
        auto* stack = page->findChild<QStackedWidget*>();
        QCOMPARE(stack->currentWidget()->objectName(), QStringLiteral("rebootPage"));
    }

    void disconnectedPagesExplainInsteadOfShowingDeadWidgets() {
        MainWindow window;
        auto* page = window.addHost(QStringLiteral("local"), QStringLiteral("This computer"), QString(), true);
        for (int i = 0; i < HostPage::SectionCount; ++i) QVERIFY(!page->page(i)->isConnected());
        window.setHostState(QStringLiteral("local"), HostState::Connected);
        for (int i = 0; i < HostPage::SectionCount; ++i) QVERIFY(page->page(i)->isConnected());
    }

    void geometryIsRememberedAcrossRuns() {
        {
            MainWindow window;
            window.show();
            window.resize(1111, 777);
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.close();
        }
        MainWindow again;
        QCOMPARE(again.size(), QSize(1111, 777));
    }

    void rootWarningIsVisibleAndNotDismissable() {
        MainWindow window;
        window.show();
        window.showRootWarning();
        auto* banner = window.findChild<MessageBanner*>(QStringLiteral("windowBanner"));
        QVERIFY(banner->isVisible());
        QCOMPARE(banner->level(), MessageBanner::Level::Warning);
        QVERIFY(banner->text().contains(QStringLiteral("root")));
        QVERIFY(!banner->findChild<QToolButton*>(QStringLiteral("messageBannerClose"))->isVisible());
    }

    // Every scroll bar of every section is the style's own, as thick as the style makes it:
    // no page draws a look of its own (the reboot timeline once had a slim custom bar).
    void scrollBarsAreTheStylesOwnOnEveryPage() {
        for (const auto appearance : {Appearance::Light, Appearance::Dark}) {
            Theme::instance()->setAppearance(appearance);
            MainWindow window;
            window.show();
            auto* page = window.addHost(QStringLiteral("local"), QStringLiteral("This computer"), QString(), true);
            window.setHostState(QStringLiteral("local"), HostState::Connected);
            const int extent = window.style()->pixelMetric(QStyle::PM_ScrollBarExtent);
            const auto bars = page->findChildren<QScrollBar*>();
            QVERIFY(bars.size() >= 6);  // tables, trees, log, timeline
            for (QScrollBar* bar : bars) {
                const QSize hint = bar->sizeHint();
                const int thickness = bar->orientation() == Qt::Vertical ? hint.width() : hint.height();
                QVERIFY2(thickness == extent, qPrintable(QStringLiteral("%1 in %2: %3 px, the style's are %4 px")
                                                             .arg(bar->objectName(), bar->parentWidget()->parentWidget()->objectName())
                                                             .arg(thickness)
                                                             .arg(extent)));
            }
        }
        Theme::instance()->setAppearance(Appearance::Light);
    }

    // The user field says whom ssh would log in as, even where $USER is unset (as for the
    // screenshots, started without a login shell): never "else " with the name missing.
    void addHostWizardNamesTheLocalUserWithoutUSER() {
        const QByteArray saved = qgetenv("USER");
        qunsetenv("USER");
        AddHostWizard wizard({});
        qputenv("USER", saved);
        const passwd* pw = ::getpwuid(::geteuid());
        QVERIFY(pw);
        auto* user = wizard.findChild<QLineEdit*>(QStringLiteral("hostUserEdit"));
        QVERIFY(user);
        QCOMPARE(user->placeholderText(), QStringLiteral("from ~/.ssh/config, else %1").arg(QString::fromLocal8Bit(pw->pw_name)));
        // "Connects to …" takes a row only once there is an address to describe.
        wizard.setDestinationDescriber([](const QString& d) { return QStringLiteral("Connects to %1").arg(d); });
        wizard.show();
        auto* resolved = wizard.findChild<QLabel*>(QStringLiteral("destinationResolvedLabel"));
        QVERIFY(!resolved->isVisible());
        wizard.findChild<QLineEdit*>(QStringLiteral("hostAddressEdit"))->setText(QStringLiteral("web1"));
        QVERIFY(resolved->isVisible());
        QCOMPARE(resolved->text(), QStringLiteral("Connects to web1"));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
