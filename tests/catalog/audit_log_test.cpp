#include <doctest/doctest.h>

#include "catalog/accounts.hpp"
#include "catalog/audit_log.hpp"
#include "catalog/database.hpp"

#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

TEST_CASE("the audit log keeps who did what to whom, newest first") {
    auto db = festival::test::open_fresh_catalog();
    const auto ana = create_user(db, "ana@festival.test", "Ana", role::organizer, "a long enough password");
    record_audit(db, {ana.id, ana.email}, "invitation.create", "invitation:1", {{"role", "curator"}});
    record_audit(db, {std::nullopt, "command line"}, "user.add", "user:2");
    record_audit(db, {ana.id, ana.email}, "account.disable", "user:2", {{"email", "bo@festival.test"}});

    const auto all = list_audit(db, 10);
    REQUIRE(all.size() == 3);
    CHECK(all[0].action == "account.disable");
    CHECK(all[0].subject == "user:2");
    CHECK(all[0].actor.user_id == ana.id);
    CHECK(all[0].actor.email == "ana@festival.test");
    CHECK(all[0].details["email"] == "bo@festival.test");
    CHECK(all[0].at.size() == 20);
    CHECK(all[1].action == "user.add");
    CHECK_FALSE(all[1].actor.user_id.has_value());
    CHECK(all[1].actor.email == "command line");
    CHECK(all[1].details.is_object());
    CHECK(all[1].details.empty());
    CHECK(all[2].details["role"] == "curator");
    CHECK(all[0].id > all[1].id);
    CHECK(all[1].id > all[2].id);
}

TEST_CASE("the audit log pages with before and limit") {
    auto db = festival::test::open_fresh_catalog();
    for (int i = 0; i < 5; ++i) record_audit(db, {std::nullopt, "command line"}, "user.add", "user:" + std::to_string(i));
    const auto first = list_audit(db, 2);
    REQUIRE(first.size() == 2);
    CHECK(first[0].subject == "user:4");
    CHECK(first[1].subject == "user:3");
    const auto next = list_audit(db, 2, first.back().id);
    REQUIRE(next.size() == 2);
    CHECK(next[0].subject == "user:2");
    CHECK(next[1].subject == "user:1");
    const auto last = list_audit(db, 2, next.back().id);
    REQUIRE(last.size() == 1);
    CHECK(last[0].subject == "user:0");
    CHECK(list_audit(db, 2, last.back().id).empty());
}

TEST_CASE("the audit log loses an entry whose transaction rolls back") {
    auto db = festival::test::open_fresh_catalog();
    {
        transaction tx(db);
        record_audit(db, {std::nullopt, "command line"}, "user.add", "user:1");
    }  // no commit
    CHECK(list_audit(db, 10).empty());
}

TEST_CASE("the audit log keeps an actor's email after the account is deleted") {
    auto db = festival::test::open_fresh_catalog();
    const auto ana = create_user(db, "ana@festival.test", "Ana", role::organizer, "a long enough password");
    record_audit(db, {ana.id, ana.email}, "password.change", "user:" + std::to_string(ana.id));
    db.prepare("DELETE FROM users WHERE id = ?1").bind(1, ana.id).run();
    const auto all = list_audit(db, 10);
    REQUIRE(all.size() == 1);
    CHECK_FALSE(all[0].actor.user_id.has_value());
    CHECK(all[0].actor.email == "ana@festival.test");
}
