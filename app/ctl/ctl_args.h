#pragma once
// fulcrum-ctl's command line: options may stand anywhere; the rest are the command words and
// their operands. Plain data plus the parser.

#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

namespace fulcrum::app::ctl {

struct CtlArgs {
    QStringList words;  // command, subcommand and operands, in order
    std::optional<quint16> port;   // -p
    QStringList identityFiles;     // -i (repeatable)
    QString user;                  // -l
    bool acceptNew = false;        // --accept-new
    bool json = false;             // --json
    bool force = false;            // --force
    bool help = false;             // -h, --help
    QString inventoryPath;         // --inventory (default: the panel's own host list)
    QString comment;               // --comment
    QString state;                 // --state
    std::optional<int> weight;     // --weight
    std::optional<qint64> version; // --version N (config get)
    int timeoutSeconds = 30;       // --timeout
    int lines = 200;               // --lines (logs)
    QString auth;                  // --auth (hosts add)
    QString proxyJump;             // -J / --proxy-jump (hosts add)
    bool rememberPassword = false; // --remember-password (hosts add): in the system keychain
    QString rebootCommand;         // --reboot-command (reboot-verify; empty: the default)
    std::optional<int> stabilitySeconds;  // --stability-seconds (reboot-verify)
    bool yes = false;              // --yes: go on despite preflight warnings
    bool rolling = false;          // --rolling: reboot-verify several hosts one after another
    QStringList drainOn;           // --drain-on HOST (repeatable): more hosts whose pools are drained
    QString mechanism;             // --mechanism (boot install)
};

// The parsed arguments (without argv[0]) or the usage error to print.
std::variant<CtlArgs, QString> parseCtlArgs(const QStringList& arguments);

extern const char* const kCtlUsage;

}  // namespace fulcrum::app::ctl
