#include "agent/daemon/config_service.h"

#include "agent/daemon/clock.h"
#include "agent/daemon/log.h"

namespace fulcrum::agent {

namespace method = protocol::method;
using protocol::Error;
using protocol::ErrorCode;

protocol::Error config_invalid(const std::vector<protocol::ValidationError>& errors) {
    std::string message = "config invalid: " + std::to_string(errors.size()) + " problem" +
                          (errors.size() == 1 ? "" : "s");
    if (!errors.empty()) {
        const auto& first = errors.front();
        message += " (first: " + (first.path.empty() ? std::string("document") : first.path) + ": " + first.message + ")";
    }
    return Error::make(ErrorCode::ConfigInvalid, message, {{"errors", nlohmann::json(errors)}});
}

ConfigService::ConfigService(ConfigStore& store, Dispatcher& dispatcher) : m_store(store), m_dispatcher(dispatcher) {}

std::optional<std::vector<WorkerGroupSpec>> ConfigService::restore() {
    std::vector<protocol::ValidationError> errors;
    const auto& current = m_store.current();
    if (current.version == 0) return std::vector<WorkerGroupSpec>{};  // nothing applied yet
    auto validated = validate_config(ParsedConfig{current.text, current.document}, errors);
    if (!validated) {
        // Written by an older agent with looser rules, or edited by hand: run nothing from it
        // rather than half of it, and say why.
        log_error("stored config version " + std::to_string(current.version) +
                  " does not pass validation; nothing started from it: " + config_invalid(errors).message);
        return std::nullopt;
    }
    return validated->workers;
}

void ConfigService::apply(ValidatedConfig config, std::optional<std::int64_t> expected_version,
                          const std::string& comment, Dispatcher::Reply<method::ConfigApply> reply) {
    const auto& current = m_store.current();
    if (expected_version && *expected_version != current.version) {
        return reply(Error::make(ErrorCode::Conflict,
                                 "the config changed meanwhile: expected version " + std::to_string(*expected_version) +
                                     ", current is " + std::to_string(current.version) + "; reload and retry",
                                 {{"current_version", current.version}}));
    }
    if (current.version > 0 && config.parsed.document == current.document && config.parsed.text == current.text) {
        protocol::ConfigApplyResult unchanged;
        unchanged.version = current.version;
        unchanged.changed = false;
        unchanged.notes.push_back("the config equals version " + std::to_string(current.version) + "; nothing to do");
        if (m_retry_unchanged) {
            for (auto& note : m_retry_unchanged()) unchanged.notes.push_back(std::move(note));
        }
        return reply(unchanged);
    }
    if (auto error = m_store.commit(config.parsed.text, config.parsed.document, comment, now_ms()); !error.empty())
        return reply(Error::make(ErrorCode::OperationFailed, "cannot store the config: " + error));
    const StoredConfig stored = m_store.current();
    log_info("config version " + std::to_string(stored.version) + " stored" +
             (comment.empty() ? std::string() : " (" + comment + ")"));
    m_dispatcher.broadcast(protocol::make_notification<protocol::notification::ConfigChangedN>(
        protocol::ConfigChanged{stored.version, stored.comment}));
    auto finish = [reply, version = stored.version](protocol::ConfigApplyResult result) {
        result.version = version;
        result.changed = true;
        reply(result);
    };
    if (!m_applier) return finish({});
    m_applier(stored, config.workers, finish);
}

protocol::Outcome<bool> ConfigService::apply_document(const nlohmann::json& document, const std::string& comment,
                                                      std::function<void(protocol::ConfigApplyResult)> done) {
    std::vector<protocol::ValidationError> errors;
    auto parsed = parse_config_source(protocol::ConfigSource{std::nullopt, document}, errors);
    std::optional<ValidatedConfig> validated;
    if (parsed) validated = validate_config(std::move(*parsed), errors);
    if (!validated) return config_invalid(errors);
    std::optional<Error> failure;
    apply(std::move(*validated), std::nullopt, comment,
          [&failure, done](protocol::Outcome<protocol::ConfigApplyResult> outcome) {
              if (!outcome) {
                  failure = outcome.error();
                  return;
              }
              done(outcome.value());
          });
    if (failure) return *failure;
    return true;
}

void ConfigService::register_methods() {
    m_dispatcher.on<method::ConfigGet>(
        [this](Session&, const protocol::ConfigGetParams& params) -> protocol::Outcome<protocol::ConfigGetResult> {
            const auto stored = params.version ? m_store.get(*params.version) : std::optional(m_store.current());
            if (!stored)
                return Error::make(ErrorCode::NotFound, "no config version " + std::to_string(*params.version) +
                                                            " (the last " + std::to_string(ConfigStore::kKeptVersions) +
                                                            " are kept)");
            return protocol::ConfigGetResult{stored->version, stored->applied_at_ms, stored->document, stored->text};
        });
    m_dispatcher.on<method::ConfigValidate>(
        [](Session&, const protocol::ConfigValidateParams& params) -> protocol::Outcome<protocol::ConfigValidateResult> {
            protocol::ConfigValidateResult result;
            auto parsed = parse_config_source(params.config, result.errors);
            if (parsed) validate_config(std::move(*parsed), result.errors);
            result.valid = result.errors.empty();
            return result;
        });
    m_dispatcher.on_async<method::ConfigApply>(
        [this](const std::shared_ptr<Session>&, const protocol::ConfigApplyParams& params,
               Dispatcher::Reply<method::ConfigApply> reply) {
            std::vector<protocol::ValidationError> errors;
            auto parsed = parse_config_source(params.config, errors);
            std::optional<ValidatedConfig> validated;
            if (parsed) validated = validate_config(std::move(*parsed), errors);
            if (!validated) return reply(config_invalid(errors));
            apply(std::move(*validated), params.expected_version, params.comment, reply);
        });
    m_dispatcher.on<method::ConfigHistory>(
        [this](Session&, const protocol::ConfigHistoryParams& params) -> protocol::Outcome<protocol::ConfigHistoryResult> {
            if (params.limit < 1) return Error::make(ErrorCode::InvalidParams, "limit must be at least 1", {{"field", "limit"}});
            return m_store.history(params.limit);
        });
    m_dispatcher.on_async<method::ConfigRollback>(
        [this](const std::shared_ptr<Session>&, const protocol::ConfigRollbackParams& params,
               Dispatcher::Reply<method::ConfigRollback> reply) {
            auto old = m_store.get(params.version);
            if (!old)
                return reply(Error::make(ErrorCode::NotFound, "no config version " + std::to_string(params.version)));
            std::vector<protocol::ValidationError> errors;
            auto validated = validate_config(ParsedConfig{old->text, old->document}, errors);
            if (!validated) return reply(config_invalid(errors));
            apply(std::move(*validated), params.expected_version, "rollback to version " + std::to_string(params.version),
                  reply);
        });
}

}  // namespace fulcrum::agent
