#include "agent/daemon/certificate_files.h"

#include "proxy/tls/certificate_info.h"
#include "proxy/tls/openssl_handles.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fulcrum::agent {
namespace {

// Whole file, or an error in words. O_NONBLOCK: a FIFO named as a certificate must not stall
// the daemon's loop; the regular-file check then refuses it.
bool read_certificate_file(const std::string& path, std::string& content, std::string& error) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        error = errno == ENOENT ? "no such file" : std::string("cannot open it: ") + std::strerror(errno);
        return false;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        error = "not a regular file";
        return false;
    }
    if (st.st_size > kMaxCertificateFileBytes) {
        ::close(fd);
        error = "larger than 1 MiB, too large for a certificate chain";
        return false;
    }
    content.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::read(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    content.resize(done);
    return true;
}

}  // namespace

protocol::CertificateDescription describe_certificate_file(const std::string& path) {
    protocol::CertificateDescription out;
    out.path = path;
    if (path.empty() || path.front() != '/') {
        out.error = "not an absolute path";
        return out;
    }
    std::string pem;
    if (!read_certificate_file(path, pem, out.error)) return out;
    using namespace fulcrum::proxy::tls;
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    X509Ptr certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    take_openssl_errors();  // a file without a certificate leaves errors on this thread's queue
    if (!certificate) {
        out.error = "holds no PEM certificate";
        return out;
    }
    const CertificateInfo info = describe_certificate(certificate.get());
    out.subject = info.subject;
    out.common_name = info.subject_common_name;
    out.issuer = info.issuer;
    out.names = info.dns_names;
    out.names.insert(out.names.end(), info.ip_addresses.begin(), info.ip_addresses.end());
    out.not_before = static_cast<std::int64_t>(info.not_before);
    out.not_after = static_cast<std::int64_t>(info.not_after);
    out.key_type = info.key_type;
    out.sha256 = info.sha256_fingerprint;
    // Issued by itself and signed with its own key (X509_check_issued would also demand the
    // keyCertSign usage, which a server's self-signed certificate rightly lacks).
    out.self_signed = X509_NAME_cmp(X509_get_subject_name(certificate.get()), X509_get_issuer_name(certificate.get())) == 0 &&
                      X509_verify(certificate.get(), X509_get0_pubkey(certificate.get())) == 1;
    take_openssl_errors();
    return out;
}

}  // namespace fulcrum::agent
