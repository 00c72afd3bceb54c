#include "ui/Application.h"

#include "app/rpc/host_session.h"
#include "ui/HostPage.h"
#include "ui/host/HostController.h"
#include "ui/host/HostsController.h"
#include "ui/Icons.h"
#include "ui/MainWindow.h"
#include "ui/Settings.h"
#include "ui/Theme.h"

#include <QApplication>
#include <QCommandLineParser>
#include <unistd.h>

namespace fulcrum::ui {

void setApplicationIdentity() {
    QCoreApplication::setApplicationName(QStringLiteral("fulcrum"));
    QCoreApplication::setOrganizationName(QStringLiteral("fulcrum"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FULCRUM_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Fulcrum"));
    QGuiApplication::setDesktopFileName(QStringLiteral("fulcrum"));
    QGuiApplication::setWindowIcon(Icons::application());
}

bool parseCommandLine(Options& options, QString* error) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
        "main", "Fulcrum: a desktop control panel for reverse proxies, load balancers and workers on your servers."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption demo(QStringLiteral("demo"),
                                  QCoreApplication::translate("main", "Open on \"This computer\" with the built-in demo."));
    const QCommandLineOption settingsFile(QStringLiteral("settings"),
                                          QCoreApplication::translate("main", "Use this preferences file."),
                                          QStringLiteral("file"));
    const QCommandLineOption appearance(QStringLiteral("appearance"),
                                        QCoreApplication::translate("main", "system, light or dark."),
                                        QStringLiteral("mode"));
    parser.addOptions({demo, settingsFile, appearance});
    // process() exits for --help/--version as every command-line tool does.
    parser.process(QCoreApplication::arguments());
    options.demo = parser.isSet(demo);
    options.settingsFile = parser.value(settingsFile);
    options.appearance = parser.value(appearance);
    if (!options.appearance.isEmpty() && options.appearance != QLatin1String("system") &&
        options.appearance != QLatin1String("light") && options.appearance != QLatin1String("dark")) {
        *error = QCoreApplication::translate("main", "--appearance takes system, light or dark, not \"%1\".")
                     .arg(options.appearance);
        return false;
    }
    return true;
}

int run(const Options& options) {
    if (!options.settingsFile.isEmpty()) Settings::useFile(options.settingsFile);
    auto* app = qobject_cast<QApplication*>(QCoreApplication::instance());
    Theme::instance()->setAppearance(Theme::parse(
        options.appearance.isEmpty() ? settings()->get(Settings::Key::Appearance).toString() : options.appearance));
    Theme::instance()->install(*app);

    int code = 0;
    {
        MainWindow window;
        // "This computer" first, then the saved hosts; each connects on its own.
        HostsController hosts(&window);
        if (options.demo) {
            hosts.local()->enableDemo();
            window.selectHost(QStringLiteral("local"));
            window.hostPage(QStringLiteral("local"))->setSection(HostPage::Overview);
        }
        hosts.local()->session()->open();
        if (geteuid() == 0) window.showRootWarning();
        window.show();
        code = QApplication::exec();
    }
    // The window is gone; connections close in the background, briefly awaited here.
    app::HostSession::finishAbandonedThreads(std::chrono::seconds(2));
    return code;
}

}  // namespace fulcrum::ui
