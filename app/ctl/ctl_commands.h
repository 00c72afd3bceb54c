#pragma once
// The commands of fulcrum-ctl, one function each. Each returns an exit status (ctl_host.h).

#include "app/ctl/ctl_args.h"
#include "app/inventory/inventory.h"

#include <QTextStream>

namespace fulcrum::app::ctl {

struct CtlContext {
    const CtlArgs& args;
    QTextStream& out;
    QTextStream& err;
    Inventory* inventory;  // nullptr when the host list could not be read
};

int hostsCommand(CtlContext& c);
int deployCommand(CtlContext& c);
int statusCommand(CtlContext& c);
int configCommand(CtlContext& c);
int workersCommand(CtlContext& c);
int poolCommand(CtlContext& c);
int logsCommand(CtlContext& c);
int bootCommand(CtlContext& c);
int rebootVerifyCommand(CtlContext& c);

}  // namespace fulcrum::app::ctl
