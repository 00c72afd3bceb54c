// The host list: persistence with a schema version, migration, refusal of damaged and newer
// files, validation, ~/.ssh/config import, and no secret in the file.
#include "app/inventory/inventory.h"

#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

namespace fulcrum::app {
namespace {

std::string text(const QString& s) { return s.toStdString(); }

Inventory loaded(const QString& path) {
    auto result = Inventory::load(path);
    if (auto* error = std::get_if<QString>(&result)) ADD_FAILURE() << text(*error);
    return std::holds_alternative<Inventory>(result) ? std::get<Inventory>(result) : Inventory{};
}

void write(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write(bytes);
}

TEST(Inventory, StartsWithThisComputerAndRoundTrips) {
    QTemporaryDir dir;
    const QString path = dir.path() + QStringLiteral("/sub/hosts.json");
    Inventory inventory = loaded(path);
    ASSERT_EQ(inventory.hosts().size(), 1);
    EXPECT_TRUE(inventory.hosts().front().local);
    ASSERT_TRUE(inventory.find(QStringLiteral("local")));

    HostEntry web;
    web.name = QStringLiteral("web1");
    web.address = QStringLiteral("web1.example.net");
    web.user = QStringLiteral("deploy");
    web.port = 2222;
    web.auth = AuthMethod::Password;
    web.rememberPassword = true;
    ASSERT_EQ(inventory.add(web), QString());
    ASSERT_EQ(inventory.save(), QString());
    EXPECT_EQ(QFile(path).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());

    Inventory again = loaded(path);
    EXPECT_EQ(again.hosts(), inventory.hosts());
    const HostEntry* found = again.find(QStringLiteral("web1"));
    ASSERT_TRUE(found);
    EXPECT_FALSE(found->id.isEmpty());
    EXPECT_EQ(found->subtitle(), QStringLiteral("deploy@web1.example.net:2222"));
    EXPECT_EQ(again.find(found->id), found);
}

TEST(Inventory, NeverWritesASecret) {
    QTemporaryDir dir;
    Inventory inventory = loaded(dir.path() + QStringLiteral("/hosts.json"));
    HostEntry e;
    e.name = QStringLiteral("db");
    e.address = QStringLiteral("10.1.2.3");
    e.auth = AuthMethod::Password;
    e.rememberPassword = true;
    ASSERT_EQ(inventory.add(e), QString());
    ASSERT_EQ(inventory.save(), QString());
    QFile file(inventory.path());
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QByteArray json = file.readAll().toLower();
    EXPECT_TRUE(json.contains("remember_password"));
    // The format has no field that could carry one.
    EXPECT_FALSE(json.contains("\"password\":"));
    EXPECT_FALSE(json.contains("secret"));
    EXPECT_FALSE(json.contains("passphrase"));
}

TEST(Inventory, MigratesVersionOne) {
    QTemporaryDir dir;
    const QString path = dir.path() + QStringLiteral("/hosts.json");
    write(path, R"({"version":1,"hosts":[{"name":"web1","host":"web1.example.net","user":"deploy","port":2222,"key":"/k/id_web"},
                                        {"name":"db","host":"10.0.0.9"}]})");
    Inventory inventory = loaded(path);
    EXPECT_EQ(inventory.loadedFromVersion(), 1);
    ASSERT_EQ(inventory.hosts().size(), 3);  // + This computer
    const HostEntry* web = inventory.find(QStringLiteral("web1"));
    ASSERT_TRUE(web);
    EXPECT_EQ(web->address, QStringLiteral("web1.example.net"));
    EXPECT_EQ(web->identityFile, QStringLiteral("/k/id_web"));
    EXPECT_EQ(web->auth, AuthMethod::KeyFile);
    EXPECT_EQ(web->port, 2222);
    ASSERT_EQ(inventory.save(), QString());
    Inventory again = loaded(path);
    EXPECT_EQ(again.loadedFromVersion(), Inventory::kSchemaVersion);
    EXPECT_EQ(again.hosts(), inventory.hosts());
}

TEST(Inventory, RefusesDamagedAndNewerFilesWithoutTouchingThem) {
    QTemporaryDir dir;
    const QString path = dir.path() + QStringLiteral("/hosts.json");
    const QList<std::pair<QByteArray, QString>> cases = {
        {R"({"version":2,"hosts":[)", QStringLiteral("damaged")},
        {R"({"version":9,"hosts":[]})", QStringLiteral("newer Fulcrum")},
        {R"({"hosts":[]})", QStringLiteral("schema version")},
        {R"({"version":2,"hosts":[{"name":"x","address":"y","port":70000}]})", QStringLiteral("hosts[0].port")},
        {R"({"version":2,"hosts":[{"name":"x","address":"y","auth":"telepathy"}]})", QStringLiteral("telepathy")},
        {R"({"version":2,"hosts":[{"name":"a","address":"b"},{"name":"a","address":"c"}]})", QStringLiteral("already")},
        {R"({"version":2,"hosts":[{"name":"-rf","address":"b"}]})", QStringLiteral("name")},
        {R"({"version":2,"hosts":[{"name":"x","address":""}]})", QStringLiteral("no address")},
        {R"([1,2])", QStringLiteral("no JSON object")},
    };
    for (const auto& [bytes, expected] : cases) {
        write(path, bytes);
        auto result = Inventory::load(path);
        ASSERT_TRUE(std::holds_alternative<QString>(result)) << bytes.toStdString();
        EXPECT_TRUE(std::get<QString>(result).contains(expected)) << text(std::get<QString>(result));
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::ReadOnly));
        EXPECT_EQ(file.readAll(), bytes);
    }
}

TEST(Inventory, ValidatesEdits) {
    QTemporaryDir dir;
    Inventory inventory = loaded(dir.path() + QStringLiteral("/hosts.json"));
    HostEntry e;
    e.name = QStringLiteral("web1");
    e.address = QStringLiteral("a");
    ASSERT_EQ(inventory.add(e), QString());
    EXPECT_TRUE(inventory.add(e).contains(QStringLiteral("already")));
    e.name = QStringLiteral("local");
    EXPECT_FALSE(inventory.add(e).isEmpty());
    EXPECT_FALSE(inventory.remove(QStringLiteral("local")));  // This computer stays
    HostEntry copy = *inventory.find(QStringLiteral("web1"));
    copy.port = 2200;
    EXPECT_EQ(inventory.update(copy), QString());
    EXPECT_EQ(inventory.find(QStringLiteral("web1"))->port, 2200);
    EXPECT_TRUE(inventory.remove(QStringLiteral("web1")));
    EXPECT_FALSE(inventory.find(QStringLiteral("web1")));
}

TEST(Inventory, ImportsFromSshConfigAndResolvesTargets) {
    QTemporaryDir dir;
    Inventory inventory = loaded(dir.path() + QStringLiteral("/hosts.json"));
    const SshConfig config = SshConfig::parse("Host web1 web2\n  HostName 192.0.2.10\n  User deploy\n  Port 2201\n"
                                              "Host db\n  HostName db.internal\n  IdentityFile /keys/db\n  IdentitiesOnly yes\n"
                                              "Host *.example.net\n  User wild\n");
    HostEntry existing;
    existing.name = QStringLiteral("web2");
    existing.address = QStringLiteral("web2");
    ASSERT_EQ(inventory.add(existing), QString());
    const QList<HostEntry> importable = inventory.importableFrom(config);
    QStringList names;
    for (const auto& e : importable) names << e.name;
    EXPECT_EQ(names, (QStringList{QStringLiteral("web1"), QStringLiteral("db")}));
    EXPECT_EQ(importable.at(1).auth, AuthMethod::KeyFile);

    const SshTarget target = importable.front().target(config);
    EXPECT_EQ(target.hostName, QStringLiteral("192.0.2.10"));
    EXPECT_EQ(target.user, QStringLiteral("deploy"));
    EXPECT_EQ(target.port, 2201);
    // The entry's own settings win over the config.
    HostEntry custom = importable.front();
    custom.port = 22;
    custom.user = QStringLiteral("ada");
    const SshTarget overridden = custom.target(config);
    EXPECT_EQ(overridden.port, 22);
    EXPECT_EQ(overridden.user, QStringLiteral("ada"));
}

}  // namespace
}  // namespace fulcrum::app
