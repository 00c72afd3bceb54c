#pragma once
// The panel side of an end-to-end test: runs the real fulcrum-ctl (the panel core without its
// windows) as a separate process, with a HOME of its own — the lab's panel_home(), whose
// ~/.ssh has the client key, known_hosts and one alias per simulated host — so it reaches the
// hosts exactly as it would reach real servers, and touches nothing of the machine's user.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/simhost/process.h"

namespace fulcrum::testing {

class PanelCtl {
public:
    PanelCtl(std::filesystem::path ctl_binary, std::filesystem::path home);

    // fulcrum-ctl ARGS... with the panel's HOME and XDG directories, bounded by `timeout`.
    CommandResult run(const std::vector<std::string>& args, std::chrono::milliseconds timeout) const;
    // `config apply HOST FILE`, the document written to a file under HOME first.
    CommandResult apply(const std::string& host, const std::string& document,
                        std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
    const std::filesystem::path& home() const { return m_home; }

private:
    std::filesystem::path m_ctl;
    std::filesystem::path m_home;
    mutable int m_applied = 0;
};

}  // namespace fulcrum::testing
