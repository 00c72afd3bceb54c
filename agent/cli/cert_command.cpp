#include "agent/cli/cert_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <openssl/pem.h>
#include <string>
#include <vector>

#include "proxy/tls/certificate_info.h"
#include "proxy/tls/openssl_handles.h"
#include "proxy/tls/self_signed.h"
#include "proxy/tls/server_context.h"

#include <nlohmann/json.hpp>

namespace fulcrum::agent {

namespace {

struct CertOptions {
    std::vector<std::string> hosts;
    std::string key_type = "ecdsa";
    int days = 90;
    std::string cert_path;
    std::string key_path;
    bool force = false;
};

std::string default_tls_dir() {
    if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state == '/') {
        return std::string(state) + "/fulcrum/tls";
    }
    const char* home = std::getenv("HOME");
    return std::string(home ? home : ".") + "/.local/state/fulcrum/tls";
}

// Write temp, fsync, rename, fsync the directory: a crash leaves the old file or the new one.
// The temp file is created with the final mode, so a key is never readable by others.
bool write_atomically(const std::string& path, const std::string& content, mode_t mode, bool force,
                      std::string& error) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    std::error_code ec;
    if (!force && fs::exists(target, ec)) {
        error = "'" + path + "' exists; pass --force to replace it";
        return false;
    }
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    fs::create_directories(dir, ec);
    if (ec) {
        error = "cannot create '" + dir.string() + "': " + ec.message();
        return false;
    }
    std::string temp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) {
        error = "cannot create a file in '" + dir.string() + "': " + std::strerror(errno);
        return false;
    }
    bool ok = ::fchmod(fd, mode) == 0;
    std::size_t written = 0;
    while (ok && written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) written += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
        error = "cannot write '" + path + "': " + std::strerror(ok ? errno : saved);
        ::unlink(temp.c_str());
        return false;
    }
    if (const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
    return true;
}

std::string utc(std::time_t when) {
    std::tm parts{};
    ::gmtime_r(&when, &parts);
    char buffer[32];
    std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &parts);
    return buffer;
}

int run_self_signed(const CertOptions& options) {
    using namespace fulcrum::proxy::tls;
    const KeyType type = options.key_type == "rsa" ? KeyType::rsa_2048 : KeyType::ecdsa_p256;
    SelfSigned made;
    std::string error;
    if (!make_self_signed(options.hosts, type, options.days, made, error)) {
        std::fprintf(stderr, "fulcrum-agent cert: %s\n", error.c_str());
        return 1;
    }
    const std::string base = default_tls_dir() + "/" + options.hosts.front();
    const std::string cert_path = options.cert_path.empty() ? base + ".crt" : options.cert_path;
    const std::string key_path = options.key_path.empty() ? base + ".key" : options.key_path;
    if (!write_atomically(key_path, made.private_key_pem, 0600, options.force, error) ||
        !write_atomically(cert_path, made.certificate_pem, 0644, options.force, error)) {
        std::fprintf(stderr, "fulcrum-agent cert: %s\n", error.c_str());
        return 1;
    }
    BioPtr bio(BIO_new_mem_buf(made.certificate_pem.data(), static_cast<int>(made.certificate_pem.size())));
    X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    const auto info = describe_certificate(certificate.get());
    std::string names;
    for (const auto& list : {info.dns_names, info.ip_addresses}) {
        for (const auto& name : list) names += (names.empty() ? "" : ", ") + name;
    }
    std::printf("certificate: %s\nkey:         %s (mode 0600)\nsubject:     %s\nnames:       %s\n"
                "key type:    %s\nexpires:     %s\nsha256:      %s\n",
                cert_path.c_str(), key_path.c_str(), info.subject.c_str(), names.c_str(), info.key_type.c_str(),
                utc(info.not_after).c_str(), info.sha256_fingerprint.c_str());
    return 0;
}

// Loads the pair exactly as a TLS listener would (chain, key, key matches the leaf) and says
// what it holds as one JSON object on stdout. Never prints key material: the panel runs this
// on its own computer before it uploads a pair.
int run_check(const std::string& cert_path, const std::string& key_path) {
    using namespace fulcrum::proxy::tls;
    std::string error;
    const auto context = ServerContext::load({{cert_path, key_path}}, nullptr, error);
    if (!context || context->certificates().empty()) {
        std::fprintf(stderr, "fulcrum-agent cert check: %s\n", error.empty() ? "no certificate loaded" : error.c_str());
        return 1;
    }
    const CertificateInfo& info = context->certificates().front();
    nlohmann::json names = nlohmann::json::array();
    for (const auto& list : {info.dns_names, info.ip_addresses}) {
        for (const auto& name : list) names.push_back(name);
    }
    const nlohmann::json out = {{"subject", info.subject},
                                {"common_name", info.subject_common_name},
                                {"issuer", info.issuer},
                                {"names", names},
                                {"not_before", utc(info.not_before)},
                                {"not_after", utc(info.not_after)},
                                {"key_type", info.key_type},
                                {"sha256", info.sha256_fingerprint}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
}

}  // namespace

void add_cert_command(CLI::App& app) {
    auto* cert = app.add_subcommand("cert", "Make and inspect TLS certificates for the proxy");
    cert->require_subcommand(1);
    auto options = std::make_shared<CertOptions>();
    auto* self_signed = cert->add_subcommand(
        "self-signed", "Write a new key (0600) and a self-signed certificate for a first HTTPS run");
    self_signed->add_option("--host", options->hosts, "Host name or IP address (repeatable; the first is the CN)")
        ->required();
    self_signed->add_option("--key-type", options->key_type, "ecdsa (P-256, default) or rsa (2048)")
        ->check(CLI::IsMember({"ecdsa", "rsa"}));
    self_signed->add_option("--days", options->days, "Validity in days (default 90)")->check(CLI::Range(1, 3650));
    self_signed->add_option("--cert", options->cert_path,
                            "Certificate file (default $XDG_STATE_HOME/fulcrum/tls/HOST.crt)");
    self_signed->add_option("--key", options->key_path, "Key file (default $XDG_STATE_HOME/fulcrum/tls/HOST.key)");
    self_signed->add_flag("--force", options->force, "Replace existing files");
    self_signed->callback([options] {
        if (const int code = run_self_signed(*options); code != 0) throw CLI::RuntimeError(code);
    });
    auto* check = cert->add_subcommand(
        "check", "Load a certificate chain and its key as a listener would; print what they hold as JSON");
    check->add_option("--cert", options->cert_path, "Certificate chain (PEM, leaf first)")->required();
    check->add_option("--key", options->key_path, "Private key (PEM, unencrypted)")->required();
    check->callback([options] {
        if (const int code = run_check(options->cert_path, options->key_path); code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace fulcrum::agent
