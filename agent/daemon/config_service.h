#pragma once
// config.get / validate / apply / history / rollback on top of the ConfigStore.
// apply = validate → write the new version → hand it to the applier (workers, proxy) →
// answer with what the applier confirmed. A rejected config changes nothing.

#include "agent/config/config_store.h"
#include "agent/config/config_validator.h"
#include "agent/daemon/dispatcher.h"

#include <functional>

namespace fulcrum::agent {

class ConfigService {
public:
    // Brings the running parts in line with a stored version and reports what it did. Calls
    // `done` exactly once, possibly later (the proxy confirms asynchronously).
    using Applier = std::function<void(const StoredConfig&, const std::vector<WorkerGroupSpec>&,
                                       std::function<void(protocol::ConfigApplyResult)> done)>;

    ConfigService(ConfigStore& store, Dispatcher& dispatcher);

    void set_applier(Applier applier) { m_applier = std::move(applier); }
    // Called when a config.apply equals the current version: what gave up waiting for a new
    // config (a failing proxy) tries again; returns notes for the answer.
    void set_retry_unchanged(std::function<std::vector<std::string>()> retry) { m_retry_unchanged = std::move(retry); }
    void register_methods();

    // The stored current version's worker groups, for the restore at start-up; nullopt (and
    // a logged reason) if it does not pass validation any more.
    std::optional<std::vector<WorkerGroupSpec>> restore();

    // Commits a modified document as a new version and applies it (workers.scale uses this).
    protocol::Outcome<bool> apply_document(const nlohmann::json& document, const std::string& comment,
                                           std::function<void(protocol::ConfigApplyResult)> done);

    ConfigStore& store() { return m_store; }

private:
    void apply(ValidatedConfig config, std::optional<std::int64_t> expected_version, const std::string& comment,
               Dispatcher::Reply<protocol::method::ConfigApply> reply);

    ConfigStore& m_store;
    Dispatcher& m_dispatcher;
    Applier m_applier;
    std::function<std::vector<std::string>()> m_retry_unchanged;
};

protocol::Error config_invalid(const std::vector<protocol::ValidationError>& errors);

}  // namespace fulcrum::agent
