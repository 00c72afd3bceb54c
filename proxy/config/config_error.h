#pragma once

#include <string>
#include <vector>

namespace fulcrum::proxy::config {

// One problem in a config: where (a dotted JSON path such as "pools[0].servers[1].address",
// "" for the document itself; line and column 1-based, 0 when the config came as a JSON value
// rather than text) and what, in words a person can act on.
struct ConfigError {
    std::string path;
    std::string message;
    int line = 0;
    int column = 0;
    bool operator==(const ConfigError&) const = default;
};

// "FILE:12:5: pools[0].name: message" (the FILE part and position only when known).
std::string format_error(const ConfigError& error, const std::string& file = {});

}  // namespace fulcrum::proxy::config
