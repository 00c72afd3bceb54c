#pragma once
// For GUI tests: one agent call made and waited for on the test's own event loop, to set a
// host up or to check what it stores, independently of the page under test.

#include "app/rpc/rpc_client.h"

#include <QTest>

#include <optional>

namespace fulcrum::ui::test {

template <class M>
protocol::Outcome<typename M::Result> callSync(app::RpcClient* rpc, const typename M::Params& params,
                                               int timeoutMs = 15000) {
    std::optional<protocol::Outcome<typename M::Result>> out;
    rpc->call<M>(params, nullptr, [&](protocol::Outcome<typename M::Result> r) { out.emplace(std::move(r)); });
    for (int waited = 0; waited < timeoutMs && !out; waited += 50) QTest::qWait(50);
    if (!out)
        return protocol::Error::make(protocol::ErrorCode::InternalError,
                                     "no answer within " + std::to_string(timeoutMs / 1000) + " s");
    return *out;
}

}  // namespace fulcrum::ui::test
