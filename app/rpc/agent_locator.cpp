#include "app/rpc/agent_locator.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace fulcrum::app {

QString AgentBinary::errorText() const {
    return QStringLiteral("The fulcrum-agent program that comes with Fulcrum was not found (looked in: %1). "
                          "Reinstall Fulcrum, or set FULCRUM_AGENT to its path.")
        .arg(searched.join(QStringLiteral(", ")));
}

AgentBinary locateAgentBinary() {
    AgentBinary result;
    QStringList candidates;
    if (const QString env = qEnvironmentVariable("FULCRUM_AGENT"); !env.isEmpty()) candidates << env;
    // An installed panel uses the agent installed beside it, even on a machine that also holds
    // the build tree it came from; only a panel run from the build tree finds nothing there.
    const QString dir = QCoreApplication::instance() ? QCoreApplication::applicationDirPath() : QString();
    if (!dir.isEmpty()) candidates << QDir::cleanPath(dir + QStringLiteral("/../lib/fulcrum/fulcrum-agent"));
#ifdef FULCRUM_BUILD_TREE_AGENT
    if (const QString tree = QStringLiteral(FULCRUM_BUILD_TREE_AGENT); !tree.isEmpty()) candidates << tree;
#endif
    if (!dir.isEmpty()) candidates << dir + QStringLiteral("/fulcrum-agent");
    for (const QString& candidate : std::as_const(candidates)) {
        result.searched << candidate;
        const QFileInfo info(candidate);
        if (info.isFile() && info.isExecutable()) {
            result.path = info.absoluteFilePath();
            return result;
        }
    }
    return result;
}

}  // namespace fulcrum::app
