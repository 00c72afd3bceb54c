#pragma once

namespace CLI {
class App;
}

namespace fulcrum::agent {

// `fulcrum-agent cert self-signed --host NAME...`: a key and certificate for a first HTTPS run.
void add_cert_command(CLI::App& app);

}  // namespace fulcrum::agent
