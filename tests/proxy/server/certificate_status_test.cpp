// Subject, SANs and expiry of every loaded certificate in the admin `stats` answer and the
// Prometheus text, and both follow a reload: in process (admin command) and in the real
// binary (SIGHUP after the PEM files were rewritten, as certbot does).
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "proxy/server/admin_handler.h"
#include "tests/proxy/admin/admin_test_client.h"
#include "proxy/tls/self_signed.h"
#include "proxy_fixture.h"
#include "test_child.h"
#include "tls_test_support.h"

using namespace fulcrum::proxy::testing;
using fulcrum::proxy::tls::CertificateFiles;
using fulcrum::proxy::tls::KeyType;
using nlohmann::json;
namespace tls_testing = fulcrum::proxy::tls::testing;

namespace {

// Writes a self-signed pair valid for `days` over `files` (replacing what is there).
void write_pair(const CertificateFiles& files, const std::vector<std::string>& hosts, KeyType type, int days) {
    fulcrum::proxy::tls::SelfSigned made;
    std::string error;
    ASSERT_TRUE(fulcrum::proxy::tls::make_self_signed(hosts, type, days, made, error)) << error;
    // Renamed into place, as renewal tools do, so a reader never sees half a file.
    for (const auto& [path, text] : {std::pair{files.cert_path, made.certificate_pem}, {files.key_path, made.private_key_pem}}) {
        std::ofstream(path + ".new") << text;
        ASSERT_EQ(::rename((path + ".new").c_str(), path.c_str()), 0);
    }
}

std::int64_t days_from_now(int days) {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
           static_cast<std::int64_t>(days) * 86400;
}

// The value of the one sample of `family` whose labels contain every `needle`; -1 if none.
double sample_value(const std::string& text, const std::string& family, const std::vector<std::string>& needles) {
    std::istringstream lines(text);
    std::string line;
    double found = -1;
    int matches = 0;
    while (std::getline(lines, line)) {
        if (line.rfind(family + "{", 0) != 0) continue;
        bool all = true;
        for (const auto& needle : needles) all = all && line.find(needle) != std::string::npos;
        if (!all) continue;
        found = std::stod(line.substr(line.rfind(' ') + 1));
        ++matches;
    }
    return matches == 1 ? found : -1;
}

json certificates_of(const json& stats, const std::string& listener) {
    for (const auto& l : stats["listeners"]) {
        if (l["name"] == listener) return l["certificates"];
    }
    return json::array();
}

}  // namespace

TEST_F(ProxyFixture, CertificatesInStatsAndMetricsFollowReloads) {
    tls_testing::TempDir dir;
    const CertificateFiles ecdsa{dir.path() + "/a.crt", dir.path() + "/a.key"};
    const CertificateFiles rsa{dir.path() + "/b.crt", dir.path() + "/b.key"};
    write_pair(ecdsa, {"a.test", "www.a.test"}, KeyType::ecdsa_p256, 30);
    write_pair(rsa, {"b.test", "127.0.0.1"}, KeyType::rsa_2048, 90);
    add_upstreams(1);
    json config = pool_config({{"name", "app"}, {"servers", servers_json()}});
    config["listeners"][0]["tls"] = {{"certificates",
                                      {{{"cert", ecdsa.cert_path}, {"key", ecdsa.key_path}},
                                       {{"cert", rsa.cert_path}, {"key", rsa.key_path}}}}};
    start(config);

    auto certificates = certificates_of(proxy->stats(), "http");
    ASSERT_EQ(certificates.size(), 2u) << certificates;
    EXPECT_EQ(certificates[0]["path"], ecdsa.cert_path);
    EXPECT_EQ(certificates[0]["subject"], "CN=a.test");
    EXPECT_EQ(certificates[0]["dns_names"], json({"a.test", "www.a.test"}));
    EXPECT_EQ(certificates[0]["key_type"], "ECDSA P-256");
    EXPECT_NEAR(certificates[0]["not_after"].get<double>(), static_cast<double>(days_from_now(30)), 300.0);
    EXPECT_EQ(certificates[1]["subject"], "CN=b.test");
    EXPECT_EQ(certificates[1]["dns_names"], json({"b.test"}));
    EXPECT_EQ(certificates[1]["ip_addresses"], json({"127.0.0.1"}));
    EXPECT_EQ(certificates[1]["key_type"], "RSA 2048");
    EXPECT_NEAR(certificates[1]["not_after"].get<double>(), static_cast<double>(days_from_now(90)), 300.0);

    const std::string family = "fulcrum_tls_certificate_expiry_timestamp_seconds";
    auto text = proxy->metrics_text();
    EXPECT_NE(text.find("# TYPE " + family + " gauge"), std::string::npos);
    EXPECT_NEAR(sample_value(text, family, {"listener=\"http\"", "cert=\"" + ecdsa.cert_path + "\"", "subject=\"CN=a.test\"",
                                            "sans=\"a.test,www.a.test\""}),
                certificates[0]["not_after"].get<double>(), 0.5);
    EXPECT_NEAR(sample_value(text, family, {"subject=\"CN=b.test\"", "sans=\"b.test,127.0.0.1\""}),
                certificates[1]["not_after"].get<double>(), 0.5);
    EXPECT_EQ(sample_value(text, "fulcrum_tls_certificate_info",
                           {"subject=\"CN=b.test\"", "key_type=\"RSA 2048\"", "sha256=\"" +
                                                                               certificates[1]["sha256"].get<std::string>() + "\""}),
              1.0);

    // Renewed in place: a new name and a longer life; the admin command reloads.
    write_pair(ecdsa, {"c.test"}, KeyType::ecdsa_p256, 200);
    auto answer = json::parse(fulcrum::proxy::server::handle_admin_line(*proxy, R"({"id":1,"command":"reload_certificates"})"));
    ASSERT_EQ(answer["ok"], true) << answer;
    certificates = certificates_of(json::parse(fulcrum::proxy::server::handle_admin_line(*proxy, R"({"command":"stats"})"))["stats"],
                                   "http");
    ASSERT_EQ(certificates.size(), 2u);
    EXPECT_EQ(certificates[0]["subject"], "CN=c.test");
    EXPECT_NEAR(certificates[0]["not_after"].get<double>(), static_cast<double>(days_from_now(200)), 300.0);
    text = json::parse(fulcrum::proxy::server::handle_admin_line(*proxy, R"({"command":"metrics"})"))["text"];
    EXPECT_EQ(text.find("CN=a.test"), std::string::npos) << "the replaced certificate is still reported";
    EXPECT_NEAR(sample_value(text, family, {"subject=\"CN=c.test\"", "sans=\"c.test\""}), certificates[0]["not_after"].get<double>(),
                0.5);

    // A broken renewal keeps the running certificate, and status keeps showing it.
    std::ofstream(rsa.cert_path) << "-----BEGIN CERTIFICATE-----\nnot base64\n";
    answer = json::parse(fulcrum::proxy::server::handle_admin_line(*proxy, R"({"command":"reload_certificates"})"));
    EXPECT_EQ(answer["ok"], false);
    EXPECT_NE(answer["error"].get<std::string>().find(rsa.cert_path), std::string::npos) << answer;
    EXPECT_NEAR(sample_value(proxy->metrics_text(), family, {"subject=\"CN=b.test\""}),
                static_cast<double>(days_from_now(90)), 300.0);
}

TEST(ProxyProcess, SighupReloadsRenewedCertificatesIntoMetrics) {
    tls_testing::TempDir dir;
    const CertificateFiles files{dir.path() + "/site.crt", dir.path() + "/site.key"};
    write_pair(files, {"old.test"}, KeyType::ecdsa_p256, 10);
    const std::string socket = dir.path() + "/admin.sock";
    Child proxy({FULCRUM_AGENT_BINARY, "proxy", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:1", "--tls-cert",
                 files.cert_path, "--tls-key", files.key_path, "--admin-socket", socket, "--allow-root"});
    ASSERT_FALSE(proxy.wait_line("listener quick").empty());
    // Ready means ready for signals too: a SIGHUP before the handler is in place kills it.
    EXPECT_TRUE(catches_signal(proxy.pid, SIGHUP));
    EXPECT_TRUE(catches_signal(proxy.pid, SIGTERM));
    const auto metrics = [&] {
        fulcrum::proxy::admin::testing::AdminClient client(socket);
        return json::parse(client.call(R"({"command":"metrics"})"))["text"].get<std::string>();
    };
    const std::string family = "fulcrum_tls_certificate_expiry_timestamp_seconds";
    EXPECT_NEAR(sample_value(metrics(), family, {"subject=\"CN=old.test\""}), static_cast<double>(days_from_now(10)), 300.0);

    write_pair(files, {"new.test"}, KeyType::ecdsa_p256, 60);
    ASSERT_EQ(::kill(proxy.pid, SIGHUP), 0);
    double expiry = -1;
    for (int i = 0; i < 100 && expiry < 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        expiry = sample_value(metrics(), family, {"subject=\"CN=new.test\""});
    }
    EXPECT_NEAR(expiry, static_cast<double>(days_from_now(60)), 300.0);
    EXPECT_EQ(metrics().find("CN=old.test"), std::string::npos);
}
