#include "app/demo/demo_config.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QProcessEnvironment>

namespace fulcrum::app {
namespace {
const QString kTemplate = QStringLiteral("host-config.json");
constexpr qint64 kMaxTemplateBytes = 256 * 1024;

// A JSON string literal's content: the paths are spliced into the template's text, so quotes
// and backslashes in them must not break the document.
QString jsonEscaped(const QString& text) {
    const QByteArray quoted = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(quoted.mid(2, quoted.size() - 4));
}
}  // namespace

QString locateDemoDirectory(QStringList* searched) {
    QStringList candidates;
    const QString env = qEnvironmentVariable("FULCRUM_DEMO_DIR");
    if (!env.isEmpty()) candidates << env;
#ifdef FULCRUM_SOURCE_DEMO_DIR
    candidates << QStringLiteral(FULCRUM_SOURCE_DEMO_DIR);
#endif
    if (QCoreApplication::instance())
        candidates << QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../share/fulcrum/demo"));
    for (const auto& dir : candidates) {
        if (searched) searched->append(dir);
        if (QFileInfo(QDir(dir).filePath(kTemplate)).isFile()) return QDir(dir).canonicalPath();
    }
    return {};
}

DemoPaths defaultDemoPaths(const QString& demoDir) {
    QString state = qEnvironmentVariable("XDG_STATE_HOME");
    if (!state.startsWith(QLatin1Char('/'))) state = QDir::homePath() + QStringLiteral("/.local/state");
    const QString tls = state + QStringLiteral("/fulcrum/tls");
    return {demoDir, tls + QStringLiteral("/demo-localhost.crt"), tls + QStringLiteral("/demo-localhost.key")};
}

QJsonObject loadDemoConfig(const DemoPaths& paths, QString* error) {
    QFile file(QDir(paths.demoDir).filePath(kTemplate));
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QObject::tr("Cannot read the demo's configuration %1: %2").arg(file.fileName(), file.errorString());
        return {};
    }
    if (file.size() > kMaxTemplateBytes) {
        *error = QObject::tr("%1 is too large to be the demo's configuration.").arg(file.fileName());
        return {};
    }
    QString text = QString::fromUtf8(file.read(kMaxTemplateBytes));
    text.replace(QStringLiteral("@DEMO_DIR@"), jsonEscaped(paths.demoDir));
    text.replace(QStringLiteral("@CERT@"), jsonEscaped(paths.certPath));
    text.replace(QStringLiteral("@KEY@"), jsonEscaped(paths.keyPath));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &parseError);
    if (!doc.isObject()) {
        *error = QObject::tr("The demo's configuration %1 is not valid JSON: %2 at offset %3")
                     .arg(file.fileName(), parseError.errorString())
                     .arg(parseError.offset);
        return {};
    }
    return doc.object();
}

QStringList selfSignedArguments(const DemoPaths& paths) {
    return {QStringLiteral("cert"),   QStringLiteral("self-signed"), QStringLiteral("--host"),
            QStringLiteral("localhost"), QStringLiteral("--host"),   QStringLiteral("127.0.0.1"),
            QStringLiteral("--days"), QStringLiteral("365"),          QStringLiteral("--cert"),
            paths.certPath,           QStringLiteral("--key"),        paths.keyPath};
}

}  // namespace fulcrum::app
