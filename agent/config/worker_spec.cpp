#include "agent/config/worker_spec.h"

namespace fulcrum::agent {
namespace {

void replace_all(std::string& text, const std::string& token, const std::string& value) {
    for (std::size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
        text.replace(at, token.size(), value);
}

}  // namespace

std::vector<std::string> WorkerGroupSpec::argv_for(int index) const {
    const int port = index >= 0 && index < static_cast<int>(ports.size()) ? ports[static_cast<std::size_t>(index)] : 0;
    std::vector<std::string> argv = command;
    for (auto& arg : argv) {
        replace_all(arg, "{port}", std::to_string(port));
        replace_all(arg, "{index}", std::to_string(index));
    }
    return argv;
}

std::string WorkerGroupSpec::command_line() const { return shown_command_line(command); }

std::string shown_command_line(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& arg : argv) {
        if (!line.empty()) line += ' ';
        std::string shown;
        for (char c : arg) shown += c == '\n' ? std::string("\\n") : std::string(1, c);
        line += shown.find_first_of(" \t\"'") == std::string::npos ? shown : "'" + shown + "'";
    }
    return line;
}

}  // namespace fulcrum::agent
