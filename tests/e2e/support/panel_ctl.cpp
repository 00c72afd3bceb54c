#include "tests/e2e/support/panel_ctl.h"

#include <fstream>
#include <stdexcept>

namespace fulcrum::testing {

PanelCtl::PanelCtl(std::filesystem::path ctl_binary, std::filesystem::path home)
    : m_ctl(std::move(ctl_binary)), m_home(std::move(home)) {}

CommandResult PanelCtl::run(const std::vector<std::string>& args, std::chrono::milliseconds timeout) const {
    // env(1) sets the panel's environment for this one process; the test process keeps its own.
    std::vector<std::string> argv{"env",
                                  "HOME=" + m_home.string(),
                                  "XDG_CONFIG_HOME=" + (m_home / ".config").string(),
                                  "XDG_DATA_HOME=" + (m_home / ".local/share").string(),
                                  "XDG_STATE_HOME=" + (m_home / ".local/state").string(),
                                  "XDG_CACHE_HOME=" + (m_home / ".cache").string(),
                                  m_ctl.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, timeout);
}

CommandResult PanelCtl::apply(const std::string& host, const std::string& document,
                              std::chrono::milliseconds timeout) const {
    const auto file = m_home / ("apply-" + host + "-" + std::to_string(++m_applied) + ".json");
    std::ofstream out(file, std::ios::trunc);
    out << document;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + file.string());
    return run({"config", "apply", host, file.string()}, timeout);
}

}  // namespace fulcrum::testing
