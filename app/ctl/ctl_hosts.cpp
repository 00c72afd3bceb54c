// fulcrum-ctl hosts list|add|remove|import: the panel's own host list.
#include "app/ctl/ctl_commands.h"
#include "app/ctl/ctl_host.h"
#include "app/ctl/ctl_output.h"
#include "app/inventory/remembered_password.h"
#include "app/ssh/destination.h"

#include <QDir>

namespace fulcrum::app::ctl {
namespace {

nlohmann::json hostJson(const HostEntry& e) {
    return {{"id", e.id.toStdString()},          {"name", e.name.toStdString()},
            {"address", e.address.toStdString()}, {"user", e.user.toStdString()},
            {"port", e.port},                      {"auth", authMethodName(e.auth).toStdString()},
            {"identity_file", e.identityFile.toStdString()}, {"proxy_jump", e.proxyJump.toStdString()},
            {"remember_password", e.rememberPassword}, {"local", e.local}};
}

}  // namespace

int hostsCommand(CtlContext& c) {
    const QStringList& w = c.args.words;
    const QString sub = w.value(1);
    Inventory& inventory = *c.inventory;
    if (sub == QStringLiteral("list") && w.size() == 2) {
        if (c.args.json) {
            nlohmann::json hosts = nlohmann::json::array();
            for (const auto& e : inventory.hosts()) hosts.push_back(hostJson(e));
            printJson(c.out, hosts);
        } else {
            for (const auto& e : inventory.hosts()) {
                c.out << qSetFieldWidth(20) << Qt::left << e.name << qSetFieldWidth(0) << " " << e.subtitle();
                if (!e.local) c.out << "  (" << authMethodName(e.auth) << ")";
                c.out << "\n";
            }
        }
        return kExitOk;
    }
    if (sub == QStringLiteral("add") && w.size() == 4) {
        HostEntry e;
        e.name = w[2];
        const auto destination = parseDestination(w[3]);
        if (const auto* error = std::get_if<QString>(&destination)) return usage(c.err, *error);
        const auto& d = std::get<Destination>(destination);
        e.address = d.host;
        e.user = c.args.user.isEmpty() ? d.user : c.args.user;
        e.port = c.args.port.value_or(d.port.value_or(0));
        if (!c.args.identityFiles.isEmpty()) {
            e.identityFile = QDir().absoluteFilePath(c.args.identityFiles.front());
            e.auth = AuthMethod::KeyFile;
        }
        if (!c.args.auth.isEmpty()) {
            const auto method = authMethodFromName(c.args.auth);
            if (!method) return usage(c.err, QStringLiteral("--auth must be auto, agent, key, password or keyboard-interactive."));
            e.auth = *method;
        }
        e.proxyJump = c.args.proxyJump;
        e.rememberPassword = c.args.rememberPassword;
        if (const QString problem = inventory.add(e); !problem.isEmpty()) {
            c.err << "fulcrum-ctl: cannot add " << e.name << ": " << problem << "\n";
            return kExitFailed;
        }
        if (const QString problem = inventory.save(); !problem.isEmpty()) {
            c.err << "fulcrum-ctl: " << problem << "\n";
            return kExitFailed;
        }
        c.out << "Added " << e.name << " (" << inventory.find(e.name)->subtitle() << ").\n";
        return kExitOk;
    }
    if (sub == QStringLiteral("remove") && w.size() == 3) {
        const HostEntry* e = inventory.find(w[2]);
        if (!e) {
            c.err << "fulcrum-ctl: no host called " << w[2] << " in " << inventory.path() << ".\n";
            return kExitFailed;
        }
        if (e->local) {
            c.err << "fulcrum-ctl: This computer always stays in the list.\n";
            return kExitFailed;
        }
        const HostEntry removed = *e;
        inventory.remove(w[2]);
        if (const QString problem = inventory.save(); !problem.isEmpty()) {
            c.err << "fulcrum-ctl: " << problem << "\n";
            return kExitFailed;
        }
        if (removed.rememberPassword) {
            keychainStep(c, [&](QObject* context, const RememberedPassword::Done& done) {
                RememberedPassword::forget(removed, context, done);
            });
        }
        c.out << "Removed " << w[2] << ".\n";
        return kExitOk;
    }
    if (sub == QStringLiteral("import") && w.size() == 2) {
        const QString sshDir = QDir::homePath() + QStringLiteral("/.ssh");
        const SshConfig config = SshConfig::load(sshDir + QStringLiteral("/config"), sshDir);
        for (const QString& warning : config.warnings()) c.err << "~/.ssh/config: " << warning << "\n";
        const auto importable = inventory.importableFrom(config, QDir::homePath());
        for (const auto& e : importable) {
            if (inventory.add(e).isEmpty()) c.out << "Imported " << e.name << ".\n";
        }
        if (importable.isEmpty()) c.out << "Nothing new in ~/.ssh/config.\n";
        if (const QString problem = inventory.save(); !problem.isEmpty()) {
            c.err << "fulcrum-ctl: " << problem << "\n";
            return kExitFailed;
        }
        return kExitOk;
    }
    return usage(c.err, QStringLiteral("hosts: expected list, add NAME DESTINATION, remove NAME or import."));
}

}  // namespace fulcrum::app::ctl
