#pragma once

namespace CLI {
class App;
}

namespace fulcrum::agent {

// `fulcrum-agent check FILE` (nginx -t) and `fulcrum-agent proxy ...` (the data plane).
// Thin: the logic lives in proxy/.
void add_proxy_commands(CLI::App& app, int& exit_code);

}  // namespace fulcrum::agent
