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
