#pragma once
// ConfigBackend (app/models) over a host's RpcClient: the config.* calls the staged-edit
// models make, sent to the real agent.

#include "app/models/config_backend.h"
#include "app/rpc/rpc_client.h"

#include <QPointer>

namespace fulcrum::app {

class RpcConfigBackend final : public ConfigBackend {
public:
    // `client` is not owned; calls made after it is gone fail with a connection-lost error.
    explicit RpcConfigBackend(RpcClient* client, std::chrono::milliseconds timeout = kDefaultCallTimeout)
        : m_client(client), m_timeout(timeout) {}

    void getConfig(const protocol::ConfigGetParams& params, Callback<protocol::ConfigGetResult> done) override {
        call<protocol::method::ConfigGet>(params, std::move(done));
    }
    void validateConfig(const protocol::ConfigValidateParams& params, Callback<protocol::ConfigValidateResult> done) override {
        call<protocol::method::ConfigValidate>(params, std::move(done));
    }
    void applyConfig(const protocol::ConfigApplyParams& params, Callback<protocol::ConfigApplyResult> done) override {
        call<protocol::method::ConfigApply>(params, std::move(done));
    }
    void configHistory(const protocol::ConfigHistoryParams& params, Callback<protocol::ConfigHistoryResult> done) override {
        call<protocol::method::ConfigHistory>(params, std::move(done));
    }
    void rollbackConfig(const protocol::ConfigRollbackParams& params, Callback<protocol::ConfigApplyResult> done) override {
        call<protocol::method::ConfigRollback>(params, std::move(done));
    }

private:
    template <class M, class Done>
    void call(const typename M::Params& params, Done done) {
        if (!m_client) {
            done(protocol::Error::make(protocol::ErrorCode::Unavailable, "Not connected to the host.",
                                       {{"client", "connection_lost"}}));
            return;
        }
        m_client->call<M>(params, nullptr, std::move(done), m_timeout);
    }

    QPointer<RpcClient> m_client;
    std::chrono::milliseconds m_timeout;
};

}  // namespace fulcrum::app
