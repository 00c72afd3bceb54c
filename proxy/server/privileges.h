#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace fulcrum::proxy::server {

// An account from the password database, looked up once, before anything is bound.
struct Account {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
};

// Nullopt with `error` ("no account named ...") when the name does not resolve.
std::optional<Account> find_account(const std::string& name, std::string& error);

// Started as root with "user" set: after binding, become that account for good, in every
// thread (glibc applies set*id to the whole process). Supplementary groups first (the
// account's own, from the group database), then the gid, then the uid — the order in which
// each step still has the right to do the next. Then checks that it stuck: real, effective
// and saved ids are the account's, no capability is left, and asking for root back fails.
// False with `error` on any failure; the caller must exit, never carry on as root.
bool drop_privileges(const Account& account, std::string& error);

// Creates `path` if missing and gives it to `account` (as nginx's master does with its logs),
// so the account can reopen it after logrotate; called as root, before the drop.
bool hand_over_file(const std::string& path, const Account& account, std::string& error);

}  // namespace fulcrum::proxy::server
