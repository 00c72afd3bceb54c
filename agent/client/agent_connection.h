#pragma once
// A blocking client of the daemon's socket, for `fulcrum-agent status`, the rpc bridge's
// start-up check and tests. (The panel has its own asynchronous client in app/.)

#include "agent/protocol/line_decoder.h"
#include "agent/protocol/rpc.h"
#include "agent/util/unique_fd.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::agent {

class AgentConnection {
public:
    // Connects to a listening daemon; nullopt and `error` if nobody listens there.
    static std::optional<AgentConnection> connect(const std::filesystem::path& socket, std::string& error);

    bool send_line(std::string_view line);
    // The next line, or nullopt on timeout, EOF or error.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout);

    // Sends a request and waits for its response; notifications that arrive meanwhile are kept
    // in notifications().
    template <class M>
    protocol::Outcome<typename M::Result> call(const typename M::Params& params,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        const auto response = call_raw(std::string(M::name), nlohmann::json(params), timeout);
        if (!response) return protocol::Error::make(protocol::ErrorCode::Unavailable, m_last_error);
        return protocol::decode_result<M>(*response);
    }
    std::optional<protocol::Response> call_raw(const std::string& method, const nlohmann::json& params,
                                               std::chrono::milliseconds timeout);

    // Waits for the next notification with this method name.
    std::optional<protocol::Notification> wait_notification(const std::string& method, std::chrono::milliseconds timeout);

    std::vector<protocol::Notification>& notifications() { return m_notifications; }
    int fd() const { return m_fd.get(); }
    const std::string& last_error() const { return m_last_error; }

private:
    explicit AgentConnection(UniqueFd fd) : m_fd(std::move(fd)) {}

    UniqueFd m_fd;
    protocol::LineDecoder m_decoder;
    std::vector<protocol::Notification> m_notifications;
    std::int64_t m_next_id = 1;
    std::string m_last_error;
};

}  // namespace fulcrum::agent
