// Accounts organizers manage and users keep, through the real route table: disabling ends sessions at
// once and refuses sign-in like a wrong password; never oneself, never the last organizer; a password
// change checks the current one and ends the other sessions; every change is in the audit log, with
// its actor and subject and no secret.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "catalog/audit_log.hpp"
#include "catalog/database.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/in_process_checks.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::testing;
using festival::catalog::role;
using nlohmann::json;

namespace {

const std::string password = "the first password";

festival::server::http_response sign_in(in_process_festival& f, const std::string& email, const std::string& pw) {
    return f.call("POST", "/api/session", json{{"email", email}, {"password", pw}}.dump());
}

in_process_session signed_in(in_process_festival& f, const std::string& email, const std::string& pw) {
    const auto r = sign_in(f, email, pw);
    REQUIRE(r.status == 200);
    in_process_session s;
    const std::string cookie(r.header("set-cookie").value_or(""));
    s.cookie = cookie.substr(0, cookie.find(';'));
    s.who.csrf_token = json_of(r)["csrf_token"].get<std::string>();
    s.who.user.id = json_of(r)["user"]["id"].get<std::int64_t>();
    return s;
}

std::string id_of(const festival::catalog::user& u) { return std::to_string(u.id); }

}  // namespace

TEST_CASE("accounts: a disabled curator's open session is refused at once and sign-in fails like a wrong password") {
    in_process_festival f;
    const auto organizer = f.add_staff("organizer@festival.test", role::organizer);
    const auto curator = f.add_account("curator@festival.test", role::curator, password);
    const auto open = signed_in(f, "curator@festival.test", password);
    REQUIRE(f.call_as(open, "GET", "/api/session").status == 200);

    const auto disabled = f.call_as(organizer, "POST", "/api/users/" + id_of(curator) + "/disable");
    REQUIRE(disabled.status == 200);
    CHECK(json_of(disabled)["user"]["disabled"] == true);
    check_error_shape(f.call_as(open, "GET", "/api/session"), 401);
    check_error_shape(f.call_as(open, "POST", "/api/films", json{{"slug", "after"}}.dump()), 401);

    const auto refused = sign_in(f, "curator@festival.test", password);
    const auto wrong = sign_in(f, "curator@festival.test", "not the password at all");
    check_error_shape(refused, 401);
    CHECK(refused.body == wrong.body);

    const auto users = json_of(f.call_as(organizer, "GET", "/api/users"))["users"];
    REQUIRE(users.size() == 2);
    CHECK(users[1]["email"] == "curator@festival.test");
    CHECK(users[1]["disabled"] == true);
    CHECK(users[1]["role"] == "curator");
    CHECK_FALSE(users[1]["created_at"].get<std::string>().empty());
    CHECK(users.dump().find("argon2") == std::string::npos);

    REQUIRE(f.call_as(organizer, "POST", "/api/users/" + id_of(curator) + "/enable").status == 200);
    CHECK(sign_in(f, "curator@festival.test", password).status == 200);
    check_error_shape(f.call_as(organizer, "POST", "/api/users/999/disable"), 404);
    check_error_shape(f.call_as(organizer, "POST", "/api/users/" + id_of(curator) + "/disable", "",
                                {{"x-csrf-token", "wrong"}}), 403);
    const auto curator_session = f.add_staff("other.curator@festival.test", role::curator);
    check_error_shape(f.call_as(curator_session, "GET", "/api/users"), 403);
    check_error_shape(f.call_as(curator_session, "POST", "/api/users/" + id_of(curator) + "/disable"), 403);
}

TEST_CASE("accounts: no one disables themselves, and two organizers disabling each other leave one enabled") {
    in_process_festival f;
    const auto a = f.add_staff("a@festival.test", role::organizer);
    const auto self = f.call_as(a, "POST", "/api/users/" + std::to_string(a.who.user.id) + "/disable");
    check_error_shape(self, 409);
    CHECK(error_code(self) == "cannot_disable_self");

    const auto b = f.add_staff("b@festival.test", role::organizer);
    std::atomic<int> done{0}, last{0}, signed_out{0};
    std::atomic<bool> go{false};
    const auto disable = [&](const in_process_session& who, std::int64_t target) {
        while (!go) std::this_thread::yield();
        const auto r = f.call_as(who, "POST", "/api/users/" + std::to_string(target) + "/disable");
        if (r.status == 200) ++done;
        else if (r.status == 409 && error_code(r) == "last_organizer") ++last;
        else if (r.status == 401) ++signed_out;  // the other's disabling ended this session first
    };
    std::thread one([&] { disable(a, b.who.user.id); });
    std::thread two([&] { disable(b, a.who.user.id); });
    go = true;
    one.join();
    two.join();
    CHECK(done == 1);
    CHECK(last + signed_out == 1);
    auto enabled = f.db().prepare("SELECT count(*) FROM users WHERE role = 'organizer' AND disabled_at IS NULL");
    enabled.step();
    CHECK(enabled.int64(0) == 1);
}

TEST_CASE("accounts: a password change checks the current one, ends the other sessions and keeps this one") {
    in_process_festival f;
    f.add_account("curator@festival.test", role::curator, password);
    const auto here = signed_in(f, "curator@festival.test", password);
    const auto elsewhere = signed_in(f, "curator@festival.test", password);

    const auto wrong = f.call_as(here, "PUT", "/api/session/password",
                                 json{{"current", "not the password"}, {"new", "the second password"}}.dump());
    check_error_shape(wrong, 403);
    CHECK(error_code(wrong) == "wrong_password");
    CHECK(f.call_as(elsewhere, "GET", "/api/session").status == 200);
    const auto weak = f.call_as(here, "PUT", "/api/session/password", json{{"current", password}, {"new", "short"}}.dump());
    check_error_shape(weak, 400);
    CHECK(error_code(weak) == "weak_password");
    check_error_shape(f.call("PUT", "/api/session/password", json{{"current", password}, {"new", "x"}}.dump()), 401);
    check_error_shape(f.call_as(here, "PUT", "/api/session/password",
                                json{{"current", password}, {"new", "the second password"}}.dump(),
                                {{"x-csrf-token", "not the token"}}),
                      403);

    const auto changed = f.call_as(here, "PUT", "/api/session/password",
                                   json{{"current", password}, {"new", "the second password"}}.dump());
    CHECK(changed.status == 204);
    CHECK(f.call_as(here, "GET", "/api/session").status == 200);
    check_error_shape(f.call_as(elsewhere, "GET", "/api/session"), 401);
    CHECK(sign_in(f, "curator@festival.test", password).status == 401);
    CHECK(sign_in(f, "curator@festival.test", "the second password").status == 200);
}

TEST_CASE("accounts: every change is in the audit log with its actor and subject, and no secret") {
    in_process_festival f;
    const auto organizer = f.add_staff("organizer@festival.test", role::organizer);
    const auto made = json_of(f.call_as(organizer, "POST", "/api/invitations",
                                        json{{"role", "curator"}, {"email", "inv@festival.test"}}.dump()));
    const std::string token = made["token"];
    const auto accepted = f.call("POST", "/api/invitations/" + token + "/accept",
                                 json{{"email", "inv@festival.test"}, {"display_name", "Inv"}, {"password", password}}.dump());
    REQUIRE(accepted.status == 201);
    const std::int64_t new_id = json_of(accepted)["user"]["id"];
    const auto newcomer = signed_in(f, "inv@festival.test", password);
    REQUIRE(f.call_as(newcomer, "PUT", "/api/session/password",
                      json{{"current", password}, {"new", "the second password"}}.dump())
                .status == 204);
    REQUIRE(f.call_as(organizer, "POST", "/api/users/" + std::to_string(new_id) + "/disable").status == 200);
    REQUIRE(f.call_as(organizer, "POST", "/api/users/" + std::to_string(new_id) + "/enable").status == 200);
    const auto second = json_of(f.call_as(organizer, "POST", "/api/invitations", json{{"role", "organizer"}}.dump()));
    REQUIRE(f.call_as(organizer, "DELETE", "/api/invitations/" + std::to_string(second["id"].get<std::int64_t>())).status == 204);

    const auto audit = f.call_as(organizer, "GET", "/api/audit");
    REQUIRE(audit.status == 200);
    const auto entries = json_of(audit)["entries"];
    REQUIRE(entries.size() == 7);
    const auto expect = [&](int at, const std::string& action, const json& actor_id, const std::string& actor_email,
                            const std::string& subject) {
        CAPTURE(at);
        CHECK(entries[at]["action"] == action);
        CHECK(entries[at]["actor"]["id"] == actor_id);
        CHECK(entries[at]["actor"]["email"] == actor_email);
        CHECK(entries[at]["subject"] == subject);
        CHECK(entries[at]["at"].get<std::string>().size() == 20);
    };
    const std::string new_user = "user:" + std::to_string(new_id);
    const std::string first_invitation = "invitation:" + std::to_string(made["id"].get<std::int64_t>());
    const std::string second_invitation = "invitation:" + std::to_string(second["id"].get<std::int64_t>());
    expect(0, "invitation.revoke", organizer.who.user.id, "organizer@festival.test", second_invitation);
    expect(1, "invitation.create", organizer.who.user.id, "organizer@festival.test", second_invitation);
    expect(2, "account.enable", organizer.who.user.id, "organizer@festival.test", new_user);
    expect(3, "account.disable", organizer.who.user.id, "organizer@festival.test", new_user);
    expect(4, "password.change", new_id, "inv@festival.test", new_user);
    expect(5, "invitation.accept", new_id, "inv@festival.test", first_invitation);
    expect(6, "invitation.create", organizer.who.user.id, "organizer@festival.test", first_invitation);
    CHECK(entries[6]["details"]["email"] == "inv@festival.test");
    CHECK(entries[6]["details"]["role"] == "curator");
    CHECK(entries[3]["details"]["email"] == "inv@festival.test");

    const auto whole = audit.body;
    CHECK(whole.find(token) == std::string::npos);
    CHECK(whole.find(second["token"].get<std::string>()) == std::string::npos);
    CHECK(whole.find(password) == std::string::npos);
    CHECK(whole.find("the second password") == std::string::npos);
    CHECK(whole.find("argon2") == std::string::npos);

    // Paging: two at a time, newest first, on to the oldest.
    const auto page = json_of(f.call_as(organizer, "GET", "/api/audit?limit=2"));
    REQUIRE(page["entries"].size() == 2);
    CHECK(page["entries"][0]["action"] == "invitation.revoke");
    const auto next = json_of(f.call_as(organizer, "GET", "/api/audit?limit=2&before=" + page["next_before"].dump()));
    REQUIRE(next["entries"].size() == 2);
    CHECK(next["entries"][0]["action"] == "account.enable");
    CHECK(next["entries"][1]["action"] == "account.disable");
    check_error_shape(f.call_as(organizer, "GET", "/api/audit?before=x"), 400);
    check_error_shape(f.call_as(newcomer, "GET", "/api/audit"), 401);  // disabled since: its session ended
    check_error_shape(f.call_as(signed_in(f, "inv@festival.test", "the second password"), "GET", "/api/audit"), 403);

    // A refused change leaves no entry.
    const auto self = f.call_as(organizer, "POST", "/api/users/" + std::to_string(organizer.who.user.id) + "/disable");
    CHECK(self.status == 409);
    CHECK(json_of(f.call_as(organizer, "GET", "/api/audit"))["entries"].size() == 7);
}

TEST_CASE("accounts: festival user add is in the audit log, by the command line") {
    temp_dir dir;
    add_user_with_cli(dir.path(), "cli@festival.test", "organizer", password);
    auto db = festival::catalog::database(festival::test::catalog_location_of(dir.path()));
    const auto entries = festival::catalog::list_audit(db, 10);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].action == "user.add");
    CHECK(entries[0].actor.email == "command line");
    CHECK_FALSE(entries[0].actor.user_id.has_value());
    CHECK(entries[0].details["email"] == "cli@festival.test");
    CHECK(entries[0].details["role"] == "organizer");
    CHECK(entries[0].details.dump().find(password) == std::string::npos);
}
