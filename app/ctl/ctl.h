#pragma once
// fulcrum-ctl: the panel's core on the command line, for scripts and terminal people.
// Library entry point; main.cpp only builds the QCoreApplication and calls runCtl().

#include <QStringList>
#include <QTextStream>

namespace fulcrum::app::ctl {

// Runs one command; output on `out`, errors on `err`; returns the exit status.
int runCtl(const QStringList& arguments, QTextStream& out, QTextStream& err);

}  // namespace fulcrum::app::ctl
