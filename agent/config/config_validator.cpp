#include "agent/config/config_validator.h"

#include "agent/config/proxy_section.h"
#include "agent/protocol/jsonrpc.h"

#include <algorithm>
#include <map>
#include <set>

namespace fulcrum::agent {

using nlohmann::json;
using protocol::ValidationError;

namespace {

// Collects errors under a path prefix, so each check reads like the contract it enforces.
class Checker {
public:
    explicit Checker(std::vector<ValidationError>& errors) : m_errors(errors) {}

    void fail(const std::string& path, std::string message) { m_errors.push_back({path, 0, 0, std::move(message)}); }

    // The value at parent[key], or null when absent (then `ok` says whether absence is fine).
    const json* field(const json& parent, const std::string& path, const char* key, bool required, bool& ok) {
        auto it = parent.find(key);
        ok = true;
        if (it != parent.end()) return &*it;
        if (required) fail(path + "." + key, "is required");
        ok = !required;
        return nullptr;
    }

    bool integer(const json& parent, const std::string& path, const char* key, int min, int max, int& out,
                 bool required = false) {
        bool ok = true;
        const json* value = field(parent, path, key, required, ok);
        if (!value) return ok;
        const std::string here = path + "." + key;
        if (!value->is_number_integer()) {
            fail(here, std::string("must be an integer, not ") + value->type_name());
            return false;
        }
        const auto number = value->get<std::int64_t>();
        if (number < min || number > max) {
            fail(here, "must be between " + std::to_string(min) + " and " + std::to_string(max));
            return false;
        }
        out = static_cast<int>(number);
        return true;
    }

    bool string(const json& parent, const std::string& path, const char* key, std::string& out,
                bool required = false) {
        bool ok = true;
        const json* value = field(parent, path, key, required, ok);
        if (!value) return ok;
        if (!value->is_string()) {
            fail(path + "." + key, std::string("must be a string, not ") + value->type_name());
            return false;
        }
        out = value->get<std::string>();
        return true;
    }

    // Unknown keys are errors (with their path): a typo must never be silently ignored.
    void only_keys(const json& object, const std::string& path, std::initializer_list<const char*> allowed) {
        // Not a structured binding: clang 14 (the asan preset) cannot capture one in a lambda.
        for (const auto& item : object.items()) {
            const std::string& key = item.key();
            if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }))
                fail(path + "." + key, "unknown key");
        }
    }

private:
    std::vector<ValidationError>& m_errors;
};

bool valid_group_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

void parse_health(Checker& check, const json& health, const std::string& path, HealthCheckSpec& out) {
    if (!health.is_object()) return check.fail(path, "must be an object like {\"type\": \"tcp\"}");
    check.only_keys(health, path, {"type", "path", "interval_ms", "timeout_ms"});
    std::string type;
    if (!check.string(health, path, "type", type, true)) return;
    if (type == "tcp") {
        out.type = HealthCheckSpec::Type::tcp;
        if (health.contains("path")) check.fail(path + ".path", "only http checks have a path");
    } else if (type == "http") {
        out.type = HealthCheckSpec::Type::http;
        if (check.string(health, path, "path", out.path) && (out.path.empty() || out.path.front() != '/' ||
                                                             out.path.find_first_of(" \r\n") != std::string::npos))
            check.fail(path + ".path", "must start with / and contain no spaces");
    } else {
        check.fail(path + ".type", "must be \"tcp\" or \"http\"");
    }
    check.integer(health, path, "interval_ms", 100, 3600000, out.interval_ms);
    check.integer(health, path, "timeout_ms", 10, 60000, out.timeout_ms);
}

void parse_restart(Checker& check, const json& restart, const std::string& path, RestartSpec& out) {
    if (!restart.is_object()) return check.fail(path, "must be an object");
    check.only_keys(restart, path,
                    {"policy", "backoff_initial_ms", "backoff_max_ms", "stable_after_ms", "max_fast_failures"});
    std::string policy = "always";
    if (check.string(restart, path, "policy", policy)) {
        if (policy == "always") {
            out.policy = RestartSpec::Policy::always;
        } else if (policy == "on-failure" || policy == "on_failure") {
            out.policy = RestartSpec::Policy::on_failure;
        } else if (policy == "never") {
            out.policy = RestartSpec::Policy::never;
        } else {
            check.fail(path + ".policy", "must be \"always\", \"on-failure\" or \"never\"");
        }
    }
    check.integer(restart, path, "backoff_initial_ms", 10, 3600000, out.backoff_initial_ms);
    check.integer(restart, path, "backoff_max_ms", 10, 3600000, out.backoff_max_ms);
    check.integer(restart, path, "stable_after_ms", 0, 86400000, out.stable_after_ms);
    check.integer(restart, path, "max_fast_failures", 1, 1000, out.max_fast_failures);
    if (out.backoff_max_ms < out.backoff_initial_ms)
        check.fail(path + ".backoff_max_ms", "must not be smaller than backoff_initial_ms");
}

void parse_ports(Checker& check, const json& group, const std::string& path, WorkerGroupSpec& spec) {
    const bool has_ports = group.contains("ports");
    const bool has_count = group.contains("count") || group.contains("base_port");
    if (has_ports && has_count) return check.fail(path, "give either \"ports\" or \"count\" with \"base_port\", not both");
    if (has_ports) {
        const json& ports = group["ports"];
        if (!ports.is_array() || ports.empty() || ports.size() > kMaxGroupInstances)
            return check.fail(path + ".ports", "must be a list of 1 to " + std::to_string(kMaxGroupInstances) + " ports");
        spec.explicit_ports = true;
        std::set<int> seen;
        for (std::size_t i = 0; i < ports.size(); ++i) {
            const std::string here = path + ".ports[" + std::to_string(i) + "]";
            if (!ports[i].is_number_integer() || ports[i].get<std::int64_t>() < 1 || ports[i].get<std::int64_t>() > 65535) {
                check.fail(here, "must be a port number 1..65535");
                continue;
            }
            const int port = ports[i].get<int>();
            if (!seen.insert(port).second) check.fail(here, "port " + std::to_string(port) + " is listed twice");
            spec.ports.push_back(port);
        }
        return;
    }
    int count = 0;
    int base = 0;
    const bool count_ok = check.integer(group, path, "count", 0, kMaxGroupInstances, count, true);
    const bool base_ok = check.integer(group, path, "base_port", 1, 65535, base, true);
    if (!count_ok || !base_ok) return;
    if (base + count - 1 > 65535) return check.fail(path + ".count", "base_port + count goes past port 65535");
    for (int i = 0; i < count; ++i) spec.ports.push_back(base + i);
}

std::optional<WorkerGroupSpec> parse_group(Checker& check, const json& group, const std::string& path) {
    if (!group.is_object()) {
        check.fail(path, "must be an object");
        return std::nullopt;
    }
    check.only_keys(group, path,
                    {"name", "command", "count", "base_port", "ports", "cwd", "env", "health", "restart",
                     "stop_grace_ms"});
    WorkerGroupSpec spec;
    if (check.string(group, path, "name", spec.name, true) && !valid_group_name(spec.name))
        check.fail(path + ".name", "must be 1-64 letters, digits, '-' or '_'");
    if (spec.name == "proxy" || spec.name == "agent")
        check.fail(path + ".name", "\"" + spec.name + "\" is reserved for the agent's own logs");

    auto command = group.find("command");
    if (command == group.end()) {
        check.fail(path + ".command", "is required");
    } else if (!command->is_array() || command->empty() || command->size() > 256) {
        check.fail(path + ".command", "must be a list of 1 to 256 strings, e.g. [\"python3\", \"app.py\", \"{port}\"]");
    } else {
        for (std::size_t i = 0; i < command->size(); ++i) {
            const json& arg = (*command)[i];
            const std::string here = path + ".command[" + std::to_string(i) + "]";
            if (!arg.is_string()) {
                check.fail(here, "must be a string");
            } else if (arg.get_ref<const std::string&>().find('\0') != std::string::npos ||
                       arg.get_ref<const std::string&>().size() > 65536) {
                check.fail(here, "must not contain NUL bytes or be longer than 64 KiB");
            } else if (i == 0 && arg.get_ref<const std::string&>().empty()) {
                check.fail(here, "the program must not be empty");
            } else {
                spec.command.push_back(arg.get<std::string>());
            }
        }
    }
    parse_ports(check, group, path, spec);
    if (check.string(group, path, "cwd", spec.cwd) && !spec.cwd.empty() && spec.cwd.front() != '/')
        check.fail(path + ".cwd", "must be an absolute path");
    if (auto env = group.find("env"); env != group.end()) {
        if (!env->is_object()) {
            check.fail(path + ".env", "must be an object of strings");
        } else {
            for (const auto& [key, value] : env->items()) {
                const std::string here = path + ".env." + key;
                if (key.empty() || key.find_first_of("=\0", 0, 2) != std::string::npos)
                    check.fail(here, "is not a valid variable name");
                else if (!value.is_string())
                    check.fail(here, "must be a string");
                else
                    spec.env[key] = value.get<std::string>();
            }
        }
    }
    if (auto health = group.find("health"); health != group.end()) parse_health(check, *health, path + ".health", spec.health);
    if (auto restart = group.find("restart"); restart != group.end())
        parse_restart(check, *restart, path + ".restart", spec.restart);
    check.integer(group, path, "stop_grace_ms", 0, 600000, spec.stop_grace_ms);
    return spec;
}

// "0.0.0.0:8080" / "[::]:8080" → 8080; 0 when it cannot be read (the proxy reports that).
int listener_port(const json& listener) {
    if (!listener.is_object()) return 0;
    auto address = listener.find("address");
    if (address == listener.end() || !address->is_string()) return 0;
    const auto& text = address->get_ref<const std::string&>();
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return 0;
    try {
        return std::stoi(text.substr(colon + 1));
    } catch (const std::exception&) {
        return 0;
    }
}

void check_cross_references(Checker& check, const json& document, const std::vector<WorkerGroupSpec>& workers) {
    std::map<int, std::size_t> port_owner;  // port → index of the group that has it
    for (std::size_t g = 0; g < workers.size(); ++g) {
        for (int port : workers[g].ports) {
            auto [it, inserted] = port_owner.emplace(port, g);
            if (!inserted && it->second != g)
                check.fail("workers[" + std::to_string(g) + "]", "port " + std::to_string(port) +
                                                                     " is also used by group \"" +
                                                                     workers[it->second].name + "\"");
        }
    }
    if (auto listeners = document.find("listeners"); listeners != document.end() && listeners->is_array()) {
        for (std::size_t i = 0; i < listeners->size(); ++i) {
            const int port = listener_port((*listeners)[i]);
            if (auto it = port_owner.find(port); port != 0 && it != port_owner.end())
                check.fail("listeners[" + std::to_string(i) + "].address", "port " + std::to_string(port) +
                                                                               " is also a port of worker group \"" +
                                                                               workers[it->second].name + "\"");
        }
    }
    if (auto pools = document.find("pools"); pools != document.end() && pools->is_array()) {
        for (std::size_t i = 0; i < pools->size(); ++i) {
            const json& pool = (*pools)[i];
            if (!pool.is_object()) continue;
            auto follow = pool.find("follow_workers");
            if (follow == pool.end()) continue;
            const std::string here = "pools[" + std::to_string(i) + "].follow_workers";
            if (!follow->is_string()) {
                check.fail(here, "must be the name of a worker group");
                continue;
            }
            const auto& name = follow->get_ref<const std::string&>();
            if (std::none_of(workers.begin(), workers.end(), [&](const auto& w) { return w.name == name; }))
                check.fail(here, "no worker group is named \"" + name + "\"");
        }
    }
}

// 1-based line and column of a byte offset, for syntax errors in a text the panel shows.
std::pair<int, int> line_and_column(const std::string& text, std::size_t offset) {
    int line = 1;
    int column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

}  // namespace

std::optional<ParsedConfig> parse_config_text(std::string text, std::vector<ValidationError>& errors) {
    if (text.size() > kMaxConfigBytes) {
        errors.push_back({"", 0, 0, "config is larger than " + std::to_string(kMaxConfigBytes) + " bytes"});
        return std::nullopt;
    }
    if (!protocol::nesting_within_limit(text)) {
        errors.push_back({"", 0, 0, "config is nested deeper than " + std::to_string(protocol::kMaxNestingDepth) + " levels"});
        return std::nullopt;
    }
    try {
        json document = json::parse(text);
        return ParsedConfig{std::move(text), std::move(document)};
    } catch (const json::parse_error& e) {
        const auto [line, column] = line_and_column(text, e.byte > 0 ? e.byte - 1 : 0);
        std::string message = e.what();
        // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ..." → after ": ".
        if (auto colon = message.find(": "); colon != std::string::npos) message = message.substr(colon + 2);
        errors.push_back({"", line, column, "not valid JSON: " + message});
        return std::nullopt;
    }
}

std::optional<ParsedConfig> parse_config_source(const protocol::ConfigSource& source,
                                                std::vector<ValidationError>& errors) {
    if (source.text.has_value() == source.document.has_value()) {
        errors.push_back({"config", 0, 0, "give exactly one of \"text\" or \"document\""});
        return std::nullopt;
    }
    if (source.text) return parse_config_text(*source.text, errors);
    // A document already passed the RPC decoder's depth limit; store it in a stable form.
    std::string text = source.document->dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    if (text.size() > kMaxConfigBytes) {
        errors.push_back({"", 0, 0, "config is larger than " + std::to_string(kMaxConfigBytes) + " bytes"});
        return std::nullopt;
    }
    return ParsedConfig{std::move(text), *source.document, false};
}

std::vector<WorkerGroupSpec> parse_workers_section(const json& document, std::vector<ValidationError>& errors) {
    Checker check(errors);
    std::vector<WorkerGroupSpec> groups;
    auto workers = document.find("workers");
    if (workers == document.end()) return groups;
    if (!workers->is_array()) {
        check.fail("workers", "must be a list of worker groups");
        return groups;
    }
    if (workers->size() > kMaxWorkerGroups) {
        check.fail("workers", "at most " + std::to_string(kMaxWorkerGroups) + " groups");
        return groups;
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < workers->size(); ++i) {
        const std::string path = "workers[" + std::to_string(i) + "]";
        auto spec = parse_group(check, (*workers)[i], path);
        if (!spec) continue;
        if (!spec->name.empty() && !names.insert(spec->name).second)
            check.fail(path + ".name", "another group is already named \"" + spec->name + "\"");
        groups.push_back(std::move(*spec));
    }
    return groups;
}

std::optional<ValidatedConfig> validate_config(ParsedConfig parsed, std::vector<ValidationError>& errors) {
    const std::size_t before = errors.size();
    const json& document = parsed.document;
    if (!document.is_object()) {
        errors.push_back({"", 0, 0, std::string("the config must be a JSON object, not ") + document.type_name()});
        return std::nullopt;
    }
    auto workers = parse_workers_section(document, errors);
    Checker check(errors);
    check_cross_references(check, document, workers);
    if (parsed.from_text) locate_errors(parsed.text, errors, before);
    validate_proxy_section(document, parsed.from_text ? &parsed.text : nullptr, errors);
    if (errors.size() != before) return std::nullopt;
    return ValidatedConfig{std::move(parsed), std::move(workers)};
}

}  // namespace fulcrum::agent
