#include <doctest/doctest.h>

#include "catalog/accounts.hpp"
#include "catalog/database.hpp"
#include "catalog/schema.hpp"

#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

TEST_CASE("a password is stored as an argon2id hash and checked") {
    const auto hashed = hash_password("correct horse battery");
    CHECK(hashed.rfind("$argon2id$", 0) == 0);
    CHECK(password_matches(hashed, "correct horse battery"));
    CHECK_FALSE(password_matches(hashed, "correct horse batterY"));
}

TEST_CASE("sign-in works with the right password only") {
    auto db = festival::test::open_fresh_catalog();
    create_user(db, "ana@festival.test", "Ana", role::organizer, "a long enough password");
    const auto ok = check_login(db, "ANA@festival.test", "a long enough password");
    REQUIRE(ok);
    CHECK(ok->role == role::organizer);
    CHECK_FALSE(check_login(db, "ana@festival.test", "wrong password here"));
    CHECK_FALSE(check_login(db, "nobody@festival.test", "a long enough password"));
}

TEST_CASE("accounts refuse short passwords, bad emails and duplicates") {
    auto db = festival::test::open_fresh_catalog();
    CHECK_THROWS_AS(create_user(db, "a@b.c", "", role::curator, "short"), catalog_error);
    CHECK_THROWS_AS(create_user(db, "not an email", "", role::curator, "long enough password"), catalog_error);
    create_user(db, "a@b.c", "", role::curator, "long enough password");
    try {
        create_user(db, "A@B.C", "", role::curator, "long enough password");
        FAIL("expected a conflict");
    } catch (const catalog_error& e) {
        CHECK(e.kind() == error_kind::conflict);
    }
}

TEST_CASE("a session is found by its token until closed or expired") {
    auto db = festival::test::open_fresh_catalog();
    const auto u = create_user(db, "c@festival.test", "C", role::curator, "long enough password");
    const auto tokens = open_session(db, u.id, 3600);
    CHECK(tokens.token.size() == 64);
    CHECK(tokens.csrf_token != tokens.token);
    const auto found = find_session(db, tokens.token);
    REQUIRE(found);
    CHECK(found->user.email == "c@festival.test");
    CHECK(found->csrf_token == tokens.csrf_token);
    // The token itself is never stored, only its hash.
    auto raw = db.prepare("SELECT count(*) FROM sessions WHERE token_hash = ?");
    raw.bind(1, tokens.token);
    raw.step();
    CHECK(raw.int64(0) == 0);
    close_session(db, tokens.token);
    CHECK_FALSE(find_session(db, tokens.token));

    const auto expired = open_session(db, u.id, -1);
    CHECK_FALSE(find_session(db, expired.token));
    CHECK(purge_expired_sessions(db) == 1);
}

TEST_CASE("a disabled account cannot sign in and its sessions end at once, enabled again it can") {
    auto db = festival::test::open_fresh_catalog();
    create_user(db, "org@festival.test", "Org", role::organizer, "a long enough password");
    const auto c = create_user(db, "cur@festival.test", "Cur", role::curator, "a long enough password");
    const auto tokens = open_session(db, c.id, 3600);
    REQUIRE(find_session(db, tokens.token));
    CHECK(set_user_disabled(db, c.id, true).disabled);
    CHECK_FALSE(find_session(db, tokens.token));
    CHECK_FALSE(check_login(db, "cur@festival.test", "a long enough password"));
    auto left = db.prepare("SELECT count(*) FROM sessions WHERE user_id = ?1");
    left.bind(1, c.id).step();
    CHECK(left.int64(0) == 0);
    const auto listed = list_accounts(db);
    REQUIRE(listed.size() == 2);
    CHECK(listed[1].disabled);
    CHECK_FALSE(listed[0].disabled);
    CHECK_FALSE(listed[1].created_at.empty());
    CHECK_FALSE(set_user_disabled(db, c.id, false).disabled);
    CHECK(check_login(db, "cur@festival.test", "a long enough password"));
}

TEST_CASE("the last enabled organizer cannot be disabled") {
    auto db = festival::test::open_fresh_catalog();
    const auto a = create_user(db, "a@festival.test", "A", role::organizer, "a long enough password");
    const auto b = create_user(db, "b@festival.test", "B", role::organizer, "a long enough password");
    CHECK(set_user_disabled(db, a.id, true).disabled);
    try {
        set_user_disabled(db, b.id, true);
        FAIL("expected last_organizer");
    } catch (const catalog_error& e) {
        CHECK(e.code() == "last_organizer");
    }
    CHECK(check_login(db, "b@festival.test", "a long enough password"));
    try {
        set_user_disabled(db, 999, true);
        FAIL("expected no_such_user");
    } catch (const catalog_error& e) {
        CHECK(e.kind() == error_kind::not_found);
    }
}

TEST_CASE("a password change checks the current one and ends the account's other sessions") {
    auto db = festival::test::open_fresh_catalog();
    const auto u = create_user(db, "u@festival.test", "U", role::curator, "the first password");
    const auto here = open_session(db, u.id, 3600);
    const auto elsewhere = open_session(db, u.id, 3600);
    try {
        change_password(db, u.id, "not the password", "the second password", here.token);
        FAIL("expected wrong_password");
    } catch (const catalog_error& e) {
        CHECK(e.kind() == error_kind::forbidden);
        CHECK(e.code() == "wrong_password");
    }
    CHECK(find_session(db, elsewhere.token));
    try {
        change_password(db, u.id, "the first password", "short", here.token);
        FAIL("expected weak_password");
    } catch (const catalog_error& e) {
        CHECK(e.code() == "weak_password");
    }
    change_password(db, u.id, "the first password", "the second password", here.token);
    CHECK(find_session(db, here.token));
    CHECK_FALSE(find_session(db, elsewhere.token));
    CHECK_FALSE(check_login(db, "u@festival.test", "the first password"));
    CHECK(check_login(db, "u@festival.test", "the second password"));
}
