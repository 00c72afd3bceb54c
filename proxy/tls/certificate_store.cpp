#include "proxy/tls/certificate_store.h"

namespace fulcrum::proxy::tls {

CertificateStore::CertificateStore(std::vector<CertificateFiles> files, std::shared_ptr<const TicketKeys> keys,
                                   std::shared_ptr<const ServerContext> first)
    : m_files(std::move(files)), m_ticket_keys(std::move(keys)), m_current(std::move(first)) {}

std::shared_ptr<CertificateStore> CertificateStore::create(std::vector<CertificateFiles> files, std::string& error) {
    auto keys = std::make_shared<const TicketKeys>();
    auto first = ServerContext::load(files, keys, error);
    if (!first) return nullptr;
    return std::make_shared<CertificateStore>(std::move(files), std::move(keys), std::move(first));
}

bool CertificateStore::reload(std::string& error) {
    std::lock_guard lock(m_reload_mutex);
    auto next = ServerContext::load(m_files, m_ticket_keys, error);
    if (!next) return false;
    m_current.store(std::move(next), std::memory_order_release);
    return true;
}

bool CertificateStore::reload(std::vector<CertificateFiles> files, std::string& error) {
    std::lock_guard lock(m_reload_mutex);
    auto next = ServerContext::load(files, m_ticket_keys, error);
    if (!next) return false;
    m_files = std::move(files);
    m_current.store(std::move(next), std::memory_order_release);
    return true;
}

}  // namespace fulcrum::proxy::tls

namespace fulcrum::proxy::tls {

std::vector<CertificateFiles> CertificateStore::files() const {
    std::lock_guard lock(m_reload_mutex);
    return m_files;
}

}  // namespace fulcrum::proxy::tls
