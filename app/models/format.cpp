#include "app/models/format.h"

#include <QObject>
#include <cmath>

namespace fulcrum::app {

QString formatDuration(double seconds) {
    if (!(seconds >= 0)) return QObject::tr("—");
    const auto s = qint64(seconds);
    if (s < 120) return QObject::tr("%1 s").arg(s);
    if (s < 3600) return QObject::tr("%1 min").arg(s / 60);
    if (s < 48 * 3600) {
        const qint64 minutes = (s % 3600) / 60;
        return minutes ? QObject::tr("%1 h %2 min").arg(s / 3600).arg(minutes) : QObject::tr("%1 h").arg(s / 3600);
    }
    return QObject::tr("%1 days").arg(s / 86400);
}

QString formatBytes(double bytes) {
    if (!(bytes >= 0)) return QObject::tr("—");
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (bytes >= 1024 && unit < 4) {
        bytes /= 1024;
        ++unit;
    }
    return unit == 0 ? QStringLiteral("%1 B").arg(qint64(bytes))
                     : QStringLiteral("%1 %2").arg(bytes, 0, 'f', bytes < 10 ? 1 : 0).arg(QLatin1String(units[unit]));
}

QString formatRate(double v) {
    if (!(v >= 0) || v < 0.005) return QStringLiteral("0");
    if (v < 10) return QString::number(v, 'f', 1);
    if (v < 1000) return QString::number(std::round(v), 'f', 0);
    return QStringLiteral("%1 k").arg(v / 1000, 0, 'f', 1);
}

bool isNotAvailable(const protocol::Error& error) {
    return error.is(protocol::ErrorCode::MethodNotFound) || error.is(protocol::ErrorCode::Unavailable);
}

QString plainError(const QString& what, const protocol::Error& error) {
    using protocol::ErrorCode;
    const QString message = QString::fromStdString(error.message);
    if (error.is(ErrorCode::MethodNotFound)) {
        return QObject::tr("%1 is not available yet on this host's agent (it does not know “%2”). Update the agent "
                           "when a newer one is available.")
            .arg(what, message.section(QLatin1Char('"'), 1, 1).isEmpty() ? message : message.section(QLatin1Char('"'), 1, 1));
    }
    if (error.is(ErrorCode::Unavailable)) return QObject::tr("%1 is not possible right now: %2").arg(what, message);
    if (error.is(ErrorCode::Conflict)) {
        return QObject::tr("%1 was refused: the host's configuration was changed elsewhere in the meantime. "
                           "Reload it and make your change again. (%2)")
            .arg(what, message);
    }
    if (error.is(ErrorCode::ConfigInvalid)) return QObject::tr("%1 was refused: the configuration has errors.").arg(what);
    if (error.is(ErrorCode::NotFound)) return QObject::tr("%1 failed: %2").arg(what, message);
    if (error.is(ErrorCode::IncompatibleVersion)) {
        return QObject::tr("%1 failed: the agent speaks another protocol version (%2). Update the agent.").arg(what, message);
    }
    return QObject::tr("%1 failed: %2").arg(what, message.isEmpty() ? QObject::tr("no reason given") : message);
}

}  // namespace fulcrum::app
