#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "proxy/tls/server_context.h"

namespace fulcrum::proxy::tls {

// The live TLS configuration of one listener. Loop threads call current() for every new
// connection (lock-free); reload() re-reads the files and swaps only if everything loads, so a
// bad certificate never takes the listener down. Ticket keys survive reloads.
class CertificateStore {
public:
    // Loads once; nullptr and `error` on failure.
    static std::shared_ptr<CertificateStore> create(std::vector<CertificateFiles> files, std::string& error);

    std::shared_ptr<const ServerContext> current() const { return m_current.load(std::memory_order_acquire); }

    // Re-reads the same files (or `files` when given). True on success; on failure the old
    // context stays and `error` says why.
    bool reload(std::string& error);
    bool reload(std::vector<CertificateFiles> files, std::string& error);

    std::vector<CertificateFiles> files() const;

    CertificateStore(std::vector<CertificateFiles> files, std::shared_ptr<const TicketKeys> keys,
                     std::shared_ptr<const ServerContext> first);

private:
    mutable std::mutex m_reload_mutex;  // serialises reloads; never taken on the connection path
    std::vector<CertificateFiles> m_files;
    std::shared_ptr<const TicketKeys> m_ticket_keys;
    std::atomic<std::shared_ptr<const ServerContext>> m_current;
};

}  // namespace fulcrum::proxy::tls
