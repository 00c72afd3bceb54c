#pragma once
// Starts the panel: application identity (name, icon, desktop file), command line, theme,
// the main window and — for `--demo` — "This computer" with the built-in demo.

#include <QString>

namespace fulcrum::ui {

struct Options {
    bool demo = false;
    QString settingsFile;  // empty: the user's normal settings
    QString appearance;    // empty: from settings
};

// Parses argv after QApplication exists. Returns false (and prints why) on a bad command line.
bool parseCommandLine(Options& options, QString* error);

// The whole program after main() made the QApplication.
int run(const Options& options);

// Sets name, organisation, desktop file name and icon; called by main and by tests.
void setApplicationIdentity();

}  // namespace fulcrum::ui
