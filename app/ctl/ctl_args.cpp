#include "app/ctl/ctl_args.h"

namespace fulcrum::app::ctl {

const char* const kCtlUsage =
    "Usage: fulcrum-ctl [options] COMMAND ...\n"
    "\n"
    "HOST is `local` (this computer), a name from the panel's host list, a ~/.ssh/config alias,\n"
    "[user@]host or ssh://[user@]host[:port].\n"
    "\n"
    "Commands:\n"
    "  hosts list                          the panel's hosts\n"
    "  hosts add NAME DESTINATION          add a host (-p, -l, -i, --auth, -J, --remember-password:\n"
    "                                      its password, once typed, is kept in the system keychain)\n"
    "  hosts remove NAME\n"
    "  hosts import                        add the hosts of ~/.ssh/config\n"
    "  deploy HOST                         install or upgrade fulcrum-agent on HOST\n"
    "  status HOST                         agent, boot persistence, workers, pools\n"
    "  config get HOST [--version N]       print the host's config (JSON)\n"
    "  config validate HOST FILE           check FILE on the host without applying it\n"
    "  config apply HOST FILE [--comment C]\n"
    "  config history HOST\n"
    "  config rollback HOST VERSION\n"
    "  workers list HOST [GROUP]\n"
    "  workers start|stop|restart HOST GROUP\n"
    "  workers scale HOST GROUP COUNT\n"
    "  logs HOST GROUP [INDEX] [--lines N] the last lines of a worker group (or proxy)\n"
    "  pool list HOST\n"
    "  pool add|remove HOST POOL ADDRESS   add (--weight, --state) or remove a server\n"
    "  pool drain|enable|disable HOST POOL ADDRESS\n"
    "  pool weight HOST POOL ADDRESS N\n"
    "  pool set-server HOST POOL ADDRESS [--state active|draining|disabled] [--weight 1-1000]\n"
    "  boot status|install HOST            does the agent start at boot; install it (--mechanism\n"
    "                                      cron|systemd-user|systemd-system, default: the best one)\n"
    "  reboot-verify HOST [--reboot-command CMD] [--stability-seconds N] [--yes]\n"
    "                                      reboot HOST and check everything comes back; each step\n"
    "                                      printed as it happens; preflight warnings stop unless --yes\n"
    "  reboot-verify HOST... --rolling [--drain-on HOST]...\n"
    "                                      one host after another: its servers drained out of the\n"
    "                                      pools of the other hosts named (and --drain-on hosts), no\n"
    "                                      request in flight, reboot and verify, pools restored; the\n"
    "                                      first host that is not green stops the run\n"
    "\n"
    "Options:\n"
    "  -p PORT        SSH port              -l USER        SSH user\n"
    "  -i FILE        identity file         --accept-new   trust an unknown host key (never a changed one)\n"
    "  --json         machine-readable output on stdout\n"
    "  --timeout S    seconds to wait for the host (default 30)\n"
    "  --inventory F  host list file (default: the panel's)\n"
    "  --force        deploy: upload even if the host has the same agent\n"
    "\n"
    "Exit status: 0 success, 1 the host or agent refused or failed, 2 usage error,\n"
    "3 could not connect or log in, 4 host key unknown or changed,\n"
    "5 reboot-verify: the verdict is red (a step failed), 6 reboot-verify: stopped by preflight\n"
    "warnings (nothing was rebooted; --yes to go on anyway).\n";

std::variant<CtlArgs, QString> parseCtlArgs(const QStringList& arguments) {
    CtlArgs args;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString& a = arguments.at(i);
        auto value = [&]() -> std::optional<QString> {
            if (i + 1 >= arguments.size()) return std::nullopt;
            return arguments.at(++i);
        };
        if (a == QStringLiteral("--")) {
            args.words += arguments.mid(i + 1);
            break;
        } else if (a == QStringLiteral("-h") || a == QStringLiteral("--help")) {
            args.help = true;
        } else if (a == QStringLiteral("--accept-new")) {
            args.acceptNew = true;
        } else if (a == QStringLiteral("--json")) {
            args.json = true;
        } else if (a == QStringLiteral("--force")) {
            args.force = true;
        } else if (a == QStringLiteral("--yes") || a == QStringLiteral("-y")) {
            args.yes = true;
        } else if (a == QStringLiteral("--rolling")) {
            args.rolling = true;
        } else if (a == QStringLiteral("--remember-password")) {
            args.rememberPassword = true;
        } else if (a == QStringLiteral("-p") || a == QStringLiteral("-i") || a == QStringLiteral("-l") ||
                   a == QStringLiteral("--inventory") || a == QStringLiteral("--comment") || a == QStringLiteral("--state") ||
                   a == QStringLiteral("--weight") || a == QStringLiteral("--version") || a == QStringLiteral("--timeout") || a == QStringLiteral("--lines") ||
                   a == QStringLiteral("--auth") || a == QStringLiteral("-J") || a == QStringLiteral("--proxy-jump") ||
                   a == QStringLiteral("--reboot-command") || a == QStringLiteral("--stability-seconds") ||
                   a == QStringLiteral("--mechanism") || a == QStringLiteral("--drain-on")) {
            const auto v = value();
            if (!v) return QStringLiteral("%1 needs a value.").arg(a);
            bool ok = true;
            if (a == QStringLiteral("-p")) {
                const uint port = v->toUInt(&ok);
                if (!ok || port == 0 || port > 65535) return QStringLiteral("-p: \"%1\" is not a port number.").arg(*v);
                args.port = quint16(port);
            } else if (a == QStringLiteral("-i")) {
                args.identityFiles << *v;
            } else if (a == QStringLiteral("-l")) {
                args.user = *v;
            } else if (a == QStringLiteral("--inventory")) {
                args.inventoryPath = *v;
            } else if (a == QStringLiteral("--comment")) {
                args.comment = *v;
            } else if (a == QStringLiteral("--state")) {
                if (*v != QStringLiteral("active") && *v != QStringLiteral("draining") && *v != QStringLiteral("disabled")) {
                    return QStringLiteral("--state must be active, draining or disabled, not \"%1\".").arg(*v);
                }
                args.state = *v;
            } else if (a == QStringLiteral("--weight")) {
                const int w = v->toInt(&ok);
                if (!ok || w < 1 || w > 1000) return QStringLiteral("--weight must be a number from 1 to 1000.");
                args.weight = w;
            } else if (a == QStringLiteral("--version")) {
                const qint64 n = v->toLongLong(&ok);
                if (!ok || n < 0) return QStringLiteral("--version must be a config version number.");
                args.version = n;
            } else if (a == QStringLiteral("--timeout")) {
                const int s = v->toInt(&ok);
                if (!ok || s < 1 || s > 3600) return QStringLiteral("--timeout must be 1 to 3600 seconds.");
                args.timeoutSeconds = s;
            } else if (a == QStringLiteral("--lines")) {
                const int n = v->toInt(&ok);
                if (!ok || n < 1 || n > 10000) return QStringLiteral("--lines must be 1 to 10000.");
                args.lines = n;
            } else if (a == QStringLiteral("--auth")) {
                args.auth = *v;
            } else if (a == QStringLiteral("--reboot-command")) {
                if (v->trimmed().isEmpty()) return QStringLiteral("--reboot-command must not be empty.");
                if (v->size() > 4096) return QStringLiteral("--reboot-command is longer than 4096 characters.");
                args.rebootCommand = *v;
            } else if (a == QStringLiteral("--stability-seconds")) {
                const int s = v->toInt(&ok);
                if (!ok || s < 0 || s > 3600) return QStringLiteral("--stability-seconds must be 0 to 3600.");
                args.stabilitySeconds = s;
            } else if (a == QStringLiteral("--drain-on")) {
                args.drainOn << *v;
            } else if (a == QStringLiteral("--mechanism")) {
                if (*v != QStringLiteral("cron") && *v != QStringLiteral("systemd-user") && *v != QStringLiteral("systemd-system"))
                    return QStringLiteral("--mechanism must be cron, systemd-user or systemd-system, not \"%1\".").arg(*v);
                args.mechanism = *v;
            } else {
                args.proxyJump = *v;
            }
        } else if (a.startsWith(QLatin1Char('-')) && a.size() > 1) {
            return QStringLiteral("Unknown option %1.").arg(a);
        } else {
            args.words << a;
        }
    }
    return args;
}

}  // namespace fulcrum::app::ctl
