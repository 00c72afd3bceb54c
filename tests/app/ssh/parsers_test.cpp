// Unit tests for the text formats the SSH layer reads: destinations, ssh_config, known_hosts.
#include "app/ssh/destination.h"
#include "app/ssh/known_hosts.h"
#include "app/ssh/ssh_config.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QTemporaryDir>

#include <gtest/gtest.h>

namespace fulcrum::app {
namespace {

Destination dest(const char* text) {
    auto parsed = parseDestination(QString::fromUtf8(text));
    EXPECT_TRUE(std::holds_alternative<Destination>(parsed)) << text;
    return std::holds_alternative<Destination>(parsed) ? std::get<Destination>(parsed) : Destination{};
}

TEST(DestinationTest, ParsesTheFormsOpenSshUsersWrite) {
    auto d = dest("web1");
    EXPECT_EQ(d.host, "web1");
    EXPECT_TRUE(d.user.isEmpty());
    EXPECT_FALSE(d.port);
    d = dest("deploy@10.0.0.5");
    EXPECT_EQ(d.user, "deploy");
    EXPECT_EQ(d.host, "10.0.0.5");
    d = dest("ssh://ops@example.net:2222");
    EXPECT_EQ(d.user, "ops");
    EXPECT_EQ(d.host, "example.net");
    EXPECT_EQ(d.port, 2222);
    d = dest("ssh://[::1]:2200");
    EXPECT_EQ(d.host, "::1");
    EXPECT_EQ(d.port, 2200);
    d = dest("ssh://host/");
    EXPECT_EQ(d.host, "host");
}

TEST(DestinationTest, RejectsWhatIsNotADestination) {
    for (const char* bad : {"", "@host", "user@", "ssh://h:0", "ssh://h:70000", "-oProxyCommand=x", "a b", "h;rm",
                            "ssh://h/path", "[::1"}) {
        EXPECT_TRUE(std::holds_alternative<QString>(parseDestination(QString::fromUtf8(bad)))) << bad;
    }
}

TEST(SshConfigTest, FirstValueWinsAndPatternsMatchLikeOpenSsh) {
    const auto config = SshConfig::parse(R"(
# comment
Host web1 web1-alias
    HostName web1.example.net
    User deploy
    Port 2222
    IdentityFile ~/.ssh/web_%h
Host *.lan !bad.lan
    User lanuser
    ProxyJump bastion
Host *
    User fallback
    Port 22
    IdentityFile "~/.ssh/id with space"
    ConnectTimeout=7
Match host x
    User ignored
)");
    const auto web = config.resolve(QStringLiteral("web1"), QStringLiteral("/home/me"), QStringLiteral("me"));
    EXPECT_EQ(web.hostName, QStringLiteral("web1.example.net"));
    EXPECT_EQ(web.user, QStringLiteral("deploy"));
    EXPECT_EQ(web.port, 2222);
    EXPECT_EQ(web.identityFiles,
              (QStringList{QStringLiteral("/home/me/.ssh/web_web1.example.net"), QStringLiteral("/home/me/.ssh/id with space")}));
    EXPECT_EQ(web.connectTimeoutSeconds, 7);
    const auto lan = config.resolve(QStringLiteral("db.lan"));
    EXPECT_EQ(lan.user, QStringLiteral("lanuser"));
    EXPECT_EQ(lan.proxyJump, QStringLiteral("bastion"));
    const auto bad = config.resolve(QStringLiteral("bad.lan"));
    EXPECT_EQ(bad.user, QStringLiteral("fallback"));
    EXPECT_FALSE(bad.proxyJump);
    EXPECT_EQ(config.warnings().size(), 1);  // the Match block

    const auto hosts = config.importableHosts(QStringLiteral("/home/me"), QStringLiteral("me"));
    ASSERT_EQ(hosts.size(), 2);
    EXPECT_EQ(hosts[0].alias, QStringLiteral("web1"));
    EXPECT_EQ(hosts[1].alias, QStringLiteral("web1-alias"));
}

TEST(SshConfigTest, FollowsIncludesRelativeToTheSshDirectory) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    QDir().mkpath(dir.filePath(QStringLiteral("conf.d")));
    QFile inc(dir.filePath(QStringLiteral("conf.d/a.conf")));
    ASSERT_TRUE(inc.open(QIODevice::WriteOnly));
    inc.write("Host inc\n  HostName included.example\n");
    inc.close();
    QFile main(dir.filePath(QStringLiteral("config")));
    ASSERT_TRUE(main.open(QIODevice::WriteOnly));
    main.write("Include conf.d/*.conf\nInclude config\n");  // the self-include stops at the depth limit
    main.close();
    const auto config = SshConfig::load(main.fileName(), dir.path());
    EXPECT_EQ(config.resolve(QStringLiteral("inc")).hostName, QStringLiteral("included.example"));
    EXPECT_FALSE(config.warnings().isEmpty());
}

TEST(SshConfigTest, ResolveTargetAppliesOverridesOverDestinationOverConfig) {
    const auto config = SshConfig::parse("Host web1\n HostName 192.0.2.1\n User cfg\n Port 2200\n StrictHostKeyChecking accept-new\n");
    auto t = resolveTarget(dest("web1"), config, {}, QStringLiteral("/h"));
    EXPECT_EQ(t.hostName, QStringLiteral("192.0.2.1"));
    EXPECT_EQ(t.user, QStringLiteral("cfg"));
    EXPECT_EQ(t.port, 2200);
    EXPECT_EQ(t.hostKeyPolicy, HostKeyPolicy::AcceptNew);
    t = resolveTarget(dest("ssh://me@web1:2300"), config, TargetOverrides{std::optional<quint16>(2400), {QStringLiteral("/k")}, {}});
    EXPECT_EQ(t.user, QStringLiteral("me"));
    EXPECT_EQ(t.port, 2400);
    EXPECT_EQ(t.identityFiles.front(), QStringLiteral("/k"));
}

TEST(SshConfigTest, SurvivesHostileInput) {
    QByteArray text = "Host \"unterminated\nHost\n" + QByteArray(10000, 'x') + "\n=\n\"\n";
    const auto config = SshConfig::parse(text);
    EXPECT_GE(config.warnings().size(), 2);
    config.resolve(QStringLiteral("anything"));
}

const QByteArray kKey = "AAAAC3NzaC1lZDI1NTE5AAAAIHm5ozEZ0BMQ4uBrt3Xo4kO7TQ5e0W8WtVd8FLOeD7Yn";
const QByteArray kOther = "AAAAC3NzaC1lZDI1NTE5AAAAIJqdpkXjD3kGQ0J6oVWjqZzN9iQzQJrV1YmD1mJdAXoO";

TEST(KnownHostsTest, MatchesPlainPortAndPatternEntries) {
    const auto kh = KnownHosts::parse("web1,10.0.0.1 ssh-ed25519 " + kKey + " comment\n[web1]:2222 ssh-ed25519 " + kOther +
                                      "\n*.lan,!evil.lan ssh-ed25519 " + kKey + "\n");
    EXPECT_EQ(kh.check(QStringLiteral("web1"), 22, "ssh-ed25519", kKey).verdict, KnownHosts::Verdict::Known);
    EXPECT_EQ(kh.check(QStringLiteral("10.0.0.1"), 22, "ssh-ed25519", kKey).verdict, KnownHosts::Verdict::Known);
    EXPECT_EQ(kh.check(QStringLiteral("web1"), 2222, "ssh-ed25519", kOther).verdict, KnownHosts::Verdict::Known);
    const auto changed = kh.check(QStringLiteral("web1"), 2222, "ssh-ed25519", kKey);
    EXPECT_EQ(changed.verdict, KnownHosts::Verdict::Changed);
    EXPECT_EQ(changed.line, 2);
    EXPECT_EQ(kh.check(QStringLiteral("db.lan"), 22, "ssh-ed25519", kKey).verdict, KnownHosts::Verdict::Known);
    EXPECT_EQ(kh.check(QStringLiteral("evil.lan"), 22, "ssh-ed25519", kKey).verdict, KnownHosts::Verdict::Unknown);
    // Another key type for a known host is new, not changed (OpenSSH asks about it too).
    EXPECT_EQ(kh.check(QStringLiteral("web1"), 22, "ecdsa-sha2-nistp256", kOther).verdict, KnownHosts::Verdict::Unknown);
}

TEST(KnownHostsTest, MatchesHashedEntries) {
    const QByteArray salt = QByteArray::fromHex("0102030405060708090a0b0c0d0e0f1011121314");
    const QByteArray mac = QMessageAuthenticationCode::hash("[h.example]:2200", salt, QCryptographicHash::Sha1);
    const QByteArray line = "|1|" + salt.toBase64() + "|" + mac.toBase64() + " ssh-ed25519 " + kKey + "\n";
    const auto kh = KnownHosts::parse(line);
    EXPECT_EQ(kh.check(QStringLiteral("h.example"), 2200, "ssh-ed25519", kKey).verdict, KnownHosts::Verdict::Known);
    EXPECT_EQ(kh.check(QStringLiteral("h.example"), 2200, "ssh-ed25519", kOther).verdict, KnownHosts::Verdict::Changed);
    EXPECT_EQ(kh.check(QStringLiteral("h.example"), 22, "ssh-ed25519", kKey).verdict, KnownHosts::Verdict::Unknown);
}

TEST(KnownHostsTest, RevokedKeysAreRefusedAndJunkIsSkipped) {
    const auto kh = KnownHosts::parse("@revoked * ssh-ed25519 " + kKey + "\n@bogus x y z\nonlytwo fields\nh ssh-ed25519 !!notbase64\n");
    EXPECT_EQ(kh.check(QStringLiteral("any"), 22, "ssh-ed25519", kKey).verdict, KnownHosts::Verdict::Revoked);
    EXPECT_EQ(kh.skippedLines(), 3);
}

TEST(KnownHostsTest, AppendNeverGluesOntoAnUnterminatedLine) {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("ssh/known_hosts"));
    QDir().mkpath(dir.filePath(QStringLiteral("ssh")));
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("old ssh-ed25519 " + kOther);  // no newline
    f.close();
    ASSERT_TRUE(KnownHosts::append(path, QStringLiteral("new"), 2222, "ssh-ed25519", kKey).isEmpty());
    const auto kh = KnownHosts::load(path);
    EXPECT_EQ(kh.check(QStringLiteral("old"), 22, "ssh-ed25519", kOther).verdict, KnownHosts::Verdict::Known);
    EXPECT_EQ(kh.check(QStringLiteral("new"), 2222, "ssh-ed25519", kKey).verdict, KnownHosts::Verdict::Known);
    // A file Fulcrum creates is private, like OpenSSH's.
    const QString fresh = dir.filePath(QStringLiteral("fresh/known_hosts"));
    ASSERT_TRUE(KnownHosts::append(fresh, QStringLiteral("new"), 22, "ssh-ed25519", kKey).isEmpty());
    EXPECT_EQ(QFileInfo(fresh).permissions() & (QFile::ReadGroup | QFile::ReadOther), 0);
}

TEST(KnownHostsTest, FingerprintIsOpenSshsSha256Form) {
    const QString fp = HostKeyInfo::fingerprintOf(kKey);
    EXPECT_TRUE(fp.startsWith(QStringLiteral("SHA256:")));
    EXPECT_FALSE(fp.endsWith(QLatin1Char('=')));
    EXPECT_EQ(fp.size(), 7 + 43);
}

TEST(HostPatternTest, GlobsWithoutBlowingUp) {
    EXPECT_TRUE(matchHostPattern("*.example.*", "a.example.net"));
    EXPECT_TRUE(matchHostPattern("web?", "WEB1"));
    EXPECT_FALSE(matchHostPattern("web?", "web10"));
    const QByteArray evilPattern = QByteArray(200, '*') + "b";
    EXPECT_FALSE(matchHostPattern(evilPattern, QByteArray(5000, 'a')));
}

}  // namespace
}  // namespace fulcrum::app
