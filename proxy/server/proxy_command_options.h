#pragma once

#include <optional>
#include <string>
#include <vector>

// The proxy is compiled twice, once per event loop (proxy/CMakeLists.txt): the io_uring copy
// is built with the identifier `fulcrum` renamed, so that its namespaces do not collide with
// the epoll copy's. These options cross from the command line (one copy) into whichever copy
// runs, so they live in a namespace whose name is not that token, and mean the same type in
// both.
namespace fulcrum_io_shared {

// `fulcrum-agent proxy` options: either --config FILE, or quick mode (--listen + --to...).
struct ProxyCommandOptions {
    std::string config_file;
    std::string admin_socket;
    std::string listen;
    std::vector<std::string> to;
    std::string balance = "round_robin";
    std::vector<std::string> statics;  // "PREFIX=DIR", repeatable
    std::string tls_cert;
    std::string tls_key;
    std::optional<unsigned> threads;
    std::string user;  // quick mode: bind as root, then run as this account
    bool allow_root = false;
    // epoll | auto | io_uring (event_loop_choice.h). auto: io_uring costs less CPU per request
    // (tests/bench/RESULTS.md), and where the host refuses it the proxy runs on epoll.
    std::string event_loop = "auto";
};

}  // namespace fulcrum_io_shared
