#include "proxy/config/config_check.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "proxy/config/json_positions.h"
#include "proxy/static/static_root.h"
#include "proxy/static/unique_fd.h"
#include "proxy/tls/server_context.h"

namespace fulcrum::proxy::config {

std::vector<ConfigError> check_resources(const ProxyConfig& config) {
    std::vector<ConfigError> errors;
    for (std::size_t i = 0; i < config.listeners.size(); ++i) {
        const auto& listener = config.listeners[i];
        if (!listener.tls) continue;
        std::vector<tls::CertificateFiles> files;
        for (const auto& pair : listener.tls->certificates) files.push_back({pair.cert, pair.key});
        std::string error;
        if (!tls::ServerContext::load(files, std::make_shared<tls::TicketKeys>(), error)) {
            errors.push_back({"listeners[" + std::to_string(i) + "].tls.certificates", error});
        }
    }
    for (std::size_t i = 0; i < config.routes.size(); ++i) {
        const auto& route = config.routes[i];
        if (!route.static_files) continue;
        std::string error;
        if (!static_files::StaticRoot::open(route.static_files->root, error)) {
            errors.push_back({"routes[" + std::to_string(i) + "].static.root", error});
        }
    }
    return errors;
}

ConfigResult load_config_file(const std::string& file, const ConfigLimits& limits) {
    ConfigResult result;
    static_files::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid()) {
        result.errors.push_back({"", "cannot open: " + std::string(std::strerror(errno))});
        return result;
    }
    std::string text;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            result.errors.push_back({"", "cannot read: " + std::string(std::strerror(errno))});
            return result;
        }
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > limits.max_text_bytes) {
            result.errors.push_back({"", "the file is larger than " + std::to_string(limits.max_text_bytes) + " bytes"});
            return result;
        }
    }
    result = read_config_text(text, limits);
    if (result.ok()) {
        auto resources = check_resources(*result.config);
        if (!resources.empty()) {
            const auto positions = JsonPositions::scan(text);
            for (auto& error : resources) {
                const auto position = positions.find(error.path);
                error.line = position.line;
                error.column = position.column;
            }
            result.errors = std::move(resources);
            result.config.reset();
        }
    }
    return result;
}

int check_config_file(const std::string& file, std::FILE* out, std::FILE* err) {
    const auto result = load_config_file(file);
    if (!result.ok()) {
        for (const auto& error : result.errors) {
            std::fprintf(err, "fulcrum-agent: [emerg] %s\n", format_error(error, file).c_str());
        }
        std::fprintf(err, "fulcrum-agent: configuration file %s test failed (%zu error%s)\n", file.c_str(),
                     result.errors.size(), result.errors.size() == 1 ? "" : "s");
        return 1;
    }
    std::fprintf(out, "fulcrum-agent: the configuration file %s syntax is ok\n", file.c_str());
    std::fprintf(out, "fulcrum-agent: configuration file %s test is successful\n", file.c_str());
    return 0;
}

}  // namespace fulcrum::proxy::config
