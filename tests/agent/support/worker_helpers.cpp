#include "tests/agent/support/worker_helpers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

namespace fulcrum::agent::test_support {

using nlohmann::json;
namespace method = protocol::method;

namespace {

sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

int connect_loopback(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in address = loopback(port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool port_free(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in address = loopback(port);
    const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

int free_port_range(int count) {
    static std::mt19937 random(static_cast<unsigned>(::getpid()));
    for (int attempt = 0; attempt < 1000; ++attempt) {
        // Below the kernel's ephemeral range (32768+), so outgoing connections do not take them.
        const int base = 20000 + static_cast<int>(random() % 12000);
        bool ok = true;
        for (int i = 0; i < count && ok; ++i) ok = port_free(base + i);
        if (ok) return base;
    }
    throw std::runtime_error("no free port range");
}

bool port_accepts(int port) {
    const int fd = connect_loopback(port);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

int http_status(int port, const std::string& path, std::string* body) {
    const int fd = connect_loopback(port);
    if (fd < 0) return 0;
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, request.data(), request.size()) < 0) {
        ::close(fd);
        return 0;
    }
    const std::string answer = read_all(fd, std::chrono::seconds(5));
    ::close(fd);
    if (answer.size() < 12 || answer.compare(0, 5, "HTTP/") != 0) return 0;
    if (body) {
        const auto split = answer.find("\r\n\r\n");
        *body = split == std::string::npos ? "" : answer.substr(split + 4);
    }
    return std::atoi(answer.substr(9, 3).c_str());
}

std::string demo_dir() { return std::string(FULCRUM_SOURCE_DIR) + "/resources/demo"; }

json waitress_group(const std::string& name, int base_port, int count) {
    return {{"name", name},
            {"command", {"/usr/bin/waitress-serve", "--listen=127.0.0.1:{port}", "demo_app:application"}},
            {"count", count},
            {"base_port", base_port},
            {"cwd", demo_dir()},
            {"health", {{"type", "http"}, {"path", "/healthz"}, {"interval_ms", 500}}},
            {"stop_grace_ms", 5000}};
}

json python_group(const std::string& name, const std::string& code, int base_port, int count) {
    return {{"name", name}, {"command", {"/usr/bin/python3", "-u", "-c", code, "{port}", "{index}"}},
            {"count", count}, {"base_port", base_port}};
}

protocol::ConfigApplyResult apply_config(AgentConnection& agent, const json& document) {
    protocol::ConfigApplyParams params;
    params.config.document = document;
    auto result = agent.call<method::ConfigApply>(params, std::chrono::seconds(30));
    if (!result) {
        ADD_FAILURE() << "config.apply refused: " << result.error().message << " " << result.error().data.dump();
        return {};
    }
    return result.value();
}

std::optional<protocol::WorkerGroupStatus> wait_for_group(
    AgentConnection& agent, const std::string& name,
    const std::function<bool(const protocol::WorkerGroupStatus&)>& predicate, std::chrono::milliseconds timeout,
    protocol::WorkerGroupStatus* last) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto list = agent.call<method::WorkersList>({name}, std::chrono::seconds(10));
        if (list && !list.value().groups.empty()) {
            if (last) *last = list.value().groups.front();
            if (predicate(list.value().groups.front())) return list.value().groups.front();
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        ::usleep(100000);
    }
}

bool all_instances(const protocol::WorkerGroupStatus& group, protocol::InstanceState state, int count) {
    int matching = 0;
    for (const auto& instance : group.instances) {
        if (instance.state == state) ++matching;
    }
    return matching == count && static_cast<int>(group.instances.size()) == count;
}

}  // namespace fulcrum::agent::test_support
