#include "agent/daemon/log.h"

#include <cstdio>
#include <ctime>

namespace fulcrum::agent {
namespace {

void write(const char* level, std::string_view message) {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    std::fprintf(stderr, "%s fulcrum-agent %s: %.*s\n", stamp, level, static_cast<int>(message.size()),
                 message.data());
    std::fflush(stderr);
}

}  // namespace

void log_info(std::string_view message) { write("info", message); }
void log_warning(std::string_view message) { write("WARNING", message); }
void log_error(std::string_view message) { write("ERROR", message); }

}  // namespace fulcrum::agent
