#pragma once
// ConfigBackend over a host's RpcClient: the config models' calls become config.* requests.

#include "app/models/config_backend.h"

#include <QPointer>

namespace fulcrum::app {
class RpcClient;
}

namespace fulcrum::ui {

class RpcConfigBackend final : public app::ConfigBackend {
public:
    explicit RpcConfigBackend(app::RpcClient* client) : m_client(client) {}

    void getConfig(const protocol::ConfigGetParams& params, Callback<protocol::ConfigGetResult> done) override;
    void validateConfig(const protocol::ConfigValidateParams& params, Callback<protocol::ConfigValidateResult> done) override;
    void applyConfig(const protocol::ConfigApplyParams& params, Callback<protocol::ConfigApplyResult> done) override;
    void configHistory(const protocol::ConfigHistoryParams& params, Callback<protocol::ConfigHistoryResult> done) override;
    void rollbackConfig(const protocol::ConfigRollbackParams& params, Callback<protocol::ConfigApplyResult> done) override;

private:
    QPointer<app::RpcClient> m_client;
};

}  // namespace fulcrum::ui
