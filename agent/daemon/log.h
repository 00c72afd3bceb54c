#pragma once
// The daemon's own log: one line per event on stderr (the journal under systemd, the agent
// log file when detached). Never contains secrets or request bodies.

#include <string_view>

namespace fulcrum::agent {

void log_info(std::string_view message);
void log_warning(std::string_view message);
void log_error(std::string_view message);

}  // namespace fulcrum::agent
