#include "ui/host/RpcConfigBackend.h"

#include "app/rpc/rpc_client.h"

namespace fulcrum::ui {
namespace {

namespace method = protocol::method;

// The client owns the timing and the "connection lost" answers; without a client the call
// fails at once, the same way a closed connection does.
template <class M, class Done>
void forward(app::RpcClient* client, const typename M::Params& params, Done done) {
    if (!client) {
        done(protocol::Error::make(protocol::ErrorCode::Unavailable, "not connected to the host"));
        return;
    }
    client->call<M>(params, nullptr, std::move(done));
}

}  // namespace

void RpcConfigBackend::getConfig(const protocol::ConfigGetParams& params, Callback<protocol::ConfigGetResult> done) {
    forward<method::ConfigGet>(m_client, params, std::move(done));
}

void RpcConfigBackend::validateConfig(const protocol::ConfigValidateParams& params,
                                      Callback<protocol::ConfigValidateResult> done) {
    forward<method::ConfigValidate>(m_client, params, std::move(done));
}

void RpcConfigBackend::applyConfig(const protocol::ConfigApplyParams& params, Callback<protocol::ConfigApplyResult> done) {
    forward<method::ConfigApply>(m_client, params, std::move(done));
}

void RpcConfigBackend::configHistory(const protocol::ConfigHistoryParams& params,
                                     Callback<protocol::ConfigHistoryResult> done) {
    forward<method::ConfigHistory>(m_client, params, std::move(done));
}

void RpcConfigBackend::rollbackConfig(const protocol::ConfigRollbackParams& params,
                                      Callback<protocol::ConfigApplyResult> done) {
    forward<method::ConfigRollback>(m_client, params, std::move(done));
}

}  // namespace fulcrum::ui
