#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "catalog/accounts.hpp"
#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/invitations.hpp"
#include "catalog/schema.hpp"

#include "tests/support/temp_dir.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

namespace {

constexpr std::int64_t t0 = 1'800'000'000;  // a fixed "now", so expiry is tested without waiting

std::string error_code_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const catalog_error& e) {
        return e.code();
    }
    return "";
}

}  // namespace

TEST_CASE("invitations: a new one is pending, keeps only its token's hash and expires after its hours") {
    auto db = festival::test::open_fresh_catalog();
    const auto ana = create_user(db, "ana@festival.test", "Ana", role::organizer, "a long enough password");
    const auto issued = create_invitation(db, {role::organizer, "", "for the jury", 2}, ana.id, t0);
    CHECK(issued.token.size() == 64);
    CHECK(issued.invitation.role == role::organizer);
    CHECK(issued.invitation.created_by_name == "Ana");
    CHECK(issued.invitation.expires_at == format_utc(t0 + 2 * 3600));
    CHECK(issued.invitation.state_at(t0) == invitation_state::pending);

    auto raw = db.prepare("SELECT count(*) FROM account_invitations WHERE token_hash = ?1");
    raw.bind(1, issued.token).step();
    CHECK(raw.int64(0) == 0);
    auto hashed = db.prepare("SELECT count(*) FROM account_invitations WHERE token_hash = ?1");
    hashed.bind(1, token_hash(issued.token)).step();
    CHECK(hashed.int64(0) == 1);

    CHECK(check_invitation(db, issued.token, t0 + 2 * 3600 - 1).id == issued.invitation.id);
    CHECK(error_code_of([&] { check_invitation(db, issued.token, t0 + 2 * 3600); }) == "invitation_expired");
    CHECK(error_code_of([&] {
              accept_invitation(db, issued.token, "late@festival.test", "Late", hash_password("a long enough password"),
                                t0 + 3 * 3600);
          }) == "invitation_expired");
    CHECK(list_invitations(db).at(0).state_at(t0 + 3 * 3600) == invitation_state::expired);
    CHECK(error_code_of([&] { check_invitation(db, std::string(64, 'a'), t0); }) == "invitation_not_found");
    CHECK(error_code_of([&] { check_invitation(db, "short", t0); }) == "invitation_not_found");
}

TEST_CASE("invitations: bad notes, hours and emails are refused") {
    auto db = festival::test::open_fresh_catalog();
    CHECK(error_code_of([&] { create_invitation(db, {role::curator, "", std::string(201, 'n'), 168}, std::nullopt, t0); }) ==
          "note_too_long");
    std::string two_hundred_accented;
    for (int i = 0; i < 200; ++i) two_hundred_accented += "é";
    CHECK_NOTHROW(create_invitation(db, {role::curator, "", two_hundred_accented, 168}, std::nullopt, t0));
    CHECK(error_code_of([&] { create_invitation(db, {role::curator, "", "", 0}, std::nullopt, t0); }) == "invalid_hours");
    CHECK(error_code_of([&] { create_invitation(db, {role::curator, "", "", 721}, std::nullopt, t0); }) == "invalid_hours");
    CHECK(error_code_of([&] { create_invitation(db, {role::curator, "no at sign", "", 1}, std::nullopt, t0); }) ==
          "invalid_email");
}

TEST_CASE("invitations: accepting creates the account with the invitation's role, once") {
    auto db = festival::test::open_fresh_catalog();
    const auto issued = create_invitation(db, {role::curator, "", "", 168}, std::nullopt, t0);
    const auto hash = hash_password("a long enough password");
    const auto accepted = accept_invitation(db, issued.token, "bo@festival.test", "Bo", hash, t0 + 10);
    CHECK(accepted.user.role == role::curator);
    CHECK(accepted.user.email == "bo@festival.test");
    CHECK(check_login(db, "bo@festival.test", "a long enough password"));
    const auto listed = list_invitations(db).at(0);
    CHECK(listed.state_at(t0 + 10) == invitation_state::used);
    CHECK(listed.used_by == accepted.user.id);
    CHECK(listed.used_at == format_utc(t0 + 10));
    CHECK(error_code_of([&] { accept_invitation(db, issued.token, "cy@festival.test", "Cy", hash, t0 + 20); }) ==
          "invitation_used");
    CHECK(error_code_of([&] { check_invitation(db, issued.token, t0 + 20); }) == "invitation_used");
    CHECK(error_code_of([&] { revoke_invitation(db, issued.invitation.id, t0 + 20); }) == "invitation_used");
    CHECK(list_accounts(db).size() == 1);
}

TEST_CASE("invitations: one naming an email takes only that email, a taken email leaves the invitation pending") {
    auto db = festival::test::open_fresh_catalog();
    create_user(db, "taken@festival.test", "", role::curator, "a long enough password");
    const auto hash = hash_password("a long enough password");
    const auto locked = create_invitation(db, {role::organizer, "Dee@Festival.test", "", 168}, std::nullopt, t0);
    CHECK(error_code_of([&] { accept_invitation(db, locked.token, "other@festival.test", "X", hash, t0); }) ==
          "invitation_email_mismatch");
    CHECK(accept_invitation(db, locked.token, "dee@festival.test", "Dee", hash, t0).user.role == role::organizer);

    const auto open = create_invitation(db, {role::curator, "", "", 168}, std::nullopt, t0);
    CHECK(error_code_of([&] { accept_invitation(db, open.token, "TAKEN@festival.test", "X", hash, t0); }) == "email_taken");
    CHECK(check_invitation(db, open.token, t0).id == open.invitation.id);  // still pending: nothing was written
}

TEST_CASE("invitations: a revoked one cannot be accepted, revoking again changes nothing") {
    auto db = festival::test::open_fresh_catalog();
    const auto issued = create_invitation(db, {role::curator, "", "", 168}, std::nullopt, t0);
    CHECK(revoke_invitation(db, issued.invitation.id, t0 + 5).revoked_at == format_utc(t0 + 5));
    CHECK(revoke_invitation(db, issued.invitation.id, t0 + 9).revoked_at == format_utc(t0 + 5));
    CHECK(error_code_of([&] { check_invitation(db, issued.token, t0 + 6); }) == "invitation_revoked");
    CHECK(error_code_of([&] {
              accept_invitation(db, issued.token, "e@festival.test", "E", hash_password("a long enough password"), t0 + 6);
          }) == "invitation_revoked");
    CHECK(error_code_of([&] { revoke_invitation(db, 9999, t0); }) == "invitation_not_found");
    CHECK(list_accounts(db).empty());
}

TEST_CASE("invitations: two accepts of one link racing on two connections make one account") {
    festival::testing::temp_dir dir;
    const auto location = festival::test::fresh_catalog_location(dir.path());
    std::string token;
    {
        auto db = open_catalog(location);
        token = create_invitation(db, {role::curator, "", "", 168}, std::nullopt, t0).token;
    }
    const auto hash = hash_password("a long enough password");
    for (int round = 0; round < 3; ++round) {
        if (round > 0) {
            auto db = database(location);
            token = create_invitation(db, {role::curator, "", "", 168}, std::nullopt, t0).token;
        }
        std::atomic<int> accepted{0}, used{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> racers;
        for (int n = 0; n < 2; ++n) {
            racers.emplace_back([&, n] {
                database db(location);
                while (!go) std::this_thread::yield();
                try {
                    accept_invitation(db, token, "r" + std::to_string(round) + "-" + std::to_string(n) + "@festival.test",
                                      "Racer", hash, t0 + 1);
                    ++accepted;
                } catch (const catalog_error& e) {
                    if (e.code() == "invitation_used") ++used;
                }
            });
        }
        go = true;
        for (auto& r : racers) r.join();
        CHECK(accepted == 1);
        CHECK(used == 1);
    }
    auto db = database(location);
    CHECK(list_accounts(db).size() == 3);
}
