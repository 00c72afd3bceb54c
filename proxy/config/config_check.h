#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "proxy/config/config_reader.h"

namespace fulcrum::proxy::config {

// What `nginx -t` checks beyond syntax: every certificate and key loads and matches, every
// static root is a directory we can open. Paths point at the member that names the file.
std::vector<ConfigError> check_resources(const ProxyConfig& config);

// Reads FILE (bounded), validates it, checks its resources and prints the result the way
// `nginx -t` does: each error as "FILE:LINE:COL: PATH: message", then a verdict line.
// Returns 0 when the config is good, 1 otherwise. Never throws.
int check_config_file(const std::string& file, std::FILE* out, std::FILE* err);

// Reads the file (at most limits.max_text_bytes) and validates it; a file that cannot be
// read is an error at path "" with line 0.
ConfigResult load_config_file(const std::string& file, const ConfigLimits& limits = {});

}  // namespace fulcrum::proxy::config
