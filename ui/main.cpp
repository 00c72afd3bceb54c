// fulcrum: the desktop panel. Everything lives in fulcrum_ui; this only makes the
// QApplication and hands over.
#include "ui/Application.h"

#include <QApplication>
#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    fulcrum::ui::setApplicationIdentity();
    fulcrum::ui::Options options;
    QString error;
    if (!fulcrum::ui::parseCommandLine(options, &error)) {
        std::fprintf(stderr, "fulcrum: %s\n", qPrintable(error));
        return 2;
    }
    return fulcrum::ui::run(options);
}
