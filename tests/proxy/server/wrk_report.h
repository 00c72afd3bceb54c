#pragma once
// What wrk (Debian's /usr/bin/wrk) printed, read back as numbers. wrk prints the "Socket
// errors" and "Non-2xx or 3xx" lines only when they are non-zero, so "absent" means zero —
// but only if the summary itself was found; `complete` says whether it was.
#include <cstdint>
#include <regex>
#include <string>

namespace fulcrum::proxy::testing {

struct WrkReport {
    bool complete = false;  // the "N requests in" and "Requests/sec" lines were there
    std::uint64_t requests = 0;
    std::uint64_t connect_errors = 0;
    std::uint64_t read_errors = 0;  // a reset or an early close of a keep-alive connection
    std::uint64_t write_errors = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t non_2xx_3xx = 0;

    std::uint64_t socket_errors() const { return connect_errors + read_errors + write_errors + timeouts; }
};

inline std::string describe(const WrkReport& r) {
    return std::to_string(r.requests) + " requests; socket errors: connect " + std::to_string(r.connect_errors) + ", read " +
           std::to_string(r.read_errors) + ", write " + std::to_string(r.write_errors) + ", timeout " +
           std::to_string(r.timeouts) + "; non-2xx/3xx " + std::to_string(r.non_2xx_3xx);
}

inline WrkReport parse_wrk_report(const std::string& text) {
    WrkReport out;
    std::smatch m;
    const bool counted = std::regex_search(text, m, std::regex(R"((\d+) requests in )"));
    if (counted) out.requests = std::stoull(m[1]);
    out.complete = counted && text.find("Requests/sec:") != std::string::npos;
    if (std::regex_search(text, m, std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
        out.connect_errors = std::stoull(m[1]);
        out.read_errors = std::stoull(m[2]);
        out.write_errors = std::stoull(m[3]);
        out.timeouts = std::stoull(m[4]);
    }
    if (std::regex_search(text, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) out.non_2xx_3xx = std::stoull(m[1]);
    return out;
}

}  // namespace fulcrum::proxy::testing
