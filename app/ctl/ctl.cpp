#include "app/ctl/ctl.h"

#include "app/ctl/ctl_commands.h"
#include "app/ctl/ctl_host.h"

namespace fulcrum::app::ctl {
namespace {

int runCommand(const QStringList& arguments, QTextStream& out, QTextStream& err) {
    auto parsed = parseCtlArgs(arguments);
    if (auto* error = std::get_if<QString>(&parsed)) {
        err << "fulcrum-ctl: " << *error << "\n" << kCtlUsage;
        return kExitUsage;
    }
    const CtlArgs& args = std::get<CtlArgs>(parsed);
    if (args.help || args.words.isEmpty()) {
        (args.help ? out : err) << kCtlUsage;
        return args.help ? kExitOk : kExitUsage;
    }
    const QString path = args.inventoryPath.isEmpty() ? Inventory::defaultPath() : args.inventoryPath;
    auto loaded = Inventory::load(path);
    Inventory* inventory = std::get_if<Inventory>(&loaded);
    const QString command = args.words.front();
    if (!inventory && command == QStringLiteral("hosts")) {
        err << "fulcrum-ctl: " << std::get<QString>(loaded) << "\n";
        return kExitFailed;
    }
    CtlContext context{args, out, err, inventory};
    if (command == QStringLiteral("hosts")) return hostsCommand(context);
    if (command == QStringLiteral("deploy")) return deployCommand(context);
    if (command == QStringLiteral("status")) return statusCommand(context);
    if (command == QStringLiteral("config")) return configCommand(context);
    if (command == QStringLiteral("workers")) return workersCommand(context);
    if (command == QStringLiteral("pool")) return poolCommand(context);
    if (command == QStringLiteral("logs")) return logsCommand(context);
    if (command == QStringLiteral("boot")) return bootCommand(context);
    if (command == QStringLiteral("reboot-verify")) return rebootVerifyCommand(context);
    err << "fulcrum-ctl: unknown command \"" << command << "\".\n" << kCtlUsage;
    return kExitUsage;
}

}  // namespace

int runCtl(const QStringList& arguments, QTextStream& out, QTextStream& err) {
    const int status = runCommand(arguments, out, err);
    // A deleted session's SSH thread may still be closing its connection (ssh_disconnect,
    // ssh_free). Returning from main under it lets exit() run OpenSSL's atexit cleanup first;
    // the thread then ends without its per-thread random generators ever being freed (the
    // leak LeakSanitizer reported), and libssh could be unloaded under it. The panel does the
    // same after its window closes.
    HostSession::finishAbandonedThreads(std::chrono::seconds(5));
    return status;
}

}  // namespace fulcrum::app::ctl
