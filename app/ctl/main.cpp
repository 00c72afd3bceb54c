// fulcrum-ctl: thin main over app/ctl (see ctl.h).
#include "app/ctl/ctl.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("fulcrum"));
    QCoreApplication::setOrganizationName(QStringLiteral("fulcrum"));
    QTextStream out(stdout);
    QTextStream err(stderr);
    const int status = fulcrum::app::ctl::runCtl(app.arguments().mid(1), out, err);
    out.flush();
    err.flush();
    return status;
}
