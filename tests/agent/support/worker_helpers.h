#pragma once
// Helpers for tests that run real worker processes under the real daemon.

#include "tests/agent/support/test_agent.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::agent::test_support {

// `count` consecutive loopback ports that are free right now.
int free_port_range(int count);
bool port_accepts(int port);
// GET path on 127.0.0.1:port; the status code, or 0 if there was no HTTP answer.
int http_status(int port, const std::string& path, std::string* body = nullptr);

std::string demo_dir();  // resources/demo (waitress + demo_app)
nlohmann::json waitress_group(const std::string& name, int base_port, int count);
nlohmann::json python_group(const std::string& name, const std::string& code, int base_port, int count = 1);

// Applies a document and fails the test if it is refused.
protocol::ConfigApplyResult apply_config(AgentConnection& agent, const nlohmann::json& document);

// Polls workers.list until `predicate(group)` holds; the last status seen either way.
std::optional<protocol::WorkerGroupStatus> wait_for_group(
    AgentConnection& agent, const std::string& name, const std::function<bool(const protocol::WorkerGroupStatus&)>& predicate,
    std::chrono::milliseconds timeout, protocol::WorkerGroupStatus* last = nullptr);

bool all_instances(const protocol::WorkerGroupStatus& group, protocol::InstanceState state, int count);

}  // namespace fulcrum::agent::test_support
