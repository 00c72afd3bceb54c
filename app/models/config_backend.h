#pragma once
// What the config models need from a host: the config.* calls, asynchronous, typed with the
// protocol's own structs. The RPC client implements it for a real host; the models never see
// a transport. Callbacks run on the thread that owns the backend (the GUI thread) and may
// arrive after the caller is gone, so callers guard themselves (QPointer).

#include "agent/protocol/config.h"
#include "agent/protocol/rpc.h"

#include <functional>

namespace fulcrum::app {

class ConfigBackend {
public:
    template <class T>
    using Callback = std::function<void(protocol::Outcome<T>)>;

    virtual ~ConfigBackend() = default;
    virtual void getConfig(const protocol::ConfigGetParams& params, Callback<protocol::ConfigGetResult> done) = 0;
    virtual void validateConfig(const protocol::ConfigValidateParams& params,
                                Callback<protocol::ConfigValidateResult> done) = 0;
    virtual void applyConfig(const protocol::ConfigApplyParams& params, Callback<protocol::ConfigApplyResult> done) = 0;
    virtual void configHistory(const protocol::ConfigHistoryParams& params,
                               Callback<protocol::ConfigHistoryResult> done) = 0;
    virtual void rollbackConfig(const protocol::ConfigRollbackParams& params,
                                Callback<protocol::ConfigApplyResult> done) = 0;
};

}  // namespace fulcrum::app
