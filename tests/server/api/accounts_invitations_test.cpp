// Invitations through the real route table: made by organizers, read and accepted by anyone holding
// the link, single use (even when two accepts race), expiring on the test clock, revocable.
#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "tests/support/in_process_checks.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::testing;
using festival::catalog::role;
using nlohmann::json;

namespace {

struct invitation_festival {
    temp_dir work;
    std::string clock_file = (work.path() / "clock").string();
    in_process_festival f{{"--test-clock-file", clock_file}};
    in_process_session organizer = f.add_staff("organizer@festival.test", role::organizer);

    invitation_festival() { set_clock(1'800'000'000); }
    void set_clock(std::int64_t unix_seconds) { std::ofstream(clock_file) << unix_seconds * 1000; }

    json invite(const json& body) {
        const auto r = f.call_as(organizer, "POST", "/api/invitations", body.dump());
        REQUIRE(r.status == 201);
        return json_of(r);
    }
    festival::server::http_response accept(const std::string& token, const std::string& email,
                                           const std::string& password = "a long enough password") {
        return f.call("POST", "/api/invitations/" + token + "/accept",
                      json{{"email", email}, {"display_name", "New Person"}, {"password", password}}.dump());
    }
};

in_process_session session_from(const festival::server::http_response& signed_in) {
    in_process_session s;
    const std::string cookie(signed_in.header("set-cookie").value_or(""));
    s.cookie = cookie.substr(0, cookie.find(';'));
    s.who.csrf_token = json_of(signed_in)["csrf_token"].get<std::string>();
    return s;
}

}  // namespace

TEST_CASE("invitations: an organizer's link signs a curator up once, then answers 410 invitation_used") {
    invitation_festival t;
    const auto made = t.invite({{"role", "curator"}, {"note", "for the documentary section"}, {"language", "fr"}});
    const std::string token = made["token"];
    CHECK(token.size() == 64);
    CHECK(made["url"] == "/fr/invitation/" + token);
    CHECK(made["expires_at"] == "2027-01-22T08:00:00Z");  // 168 hours after the test clock's 2027-01-15T08:00:00Z
    CHECK(made["state"] == "pending");

    const auto shown = t.f.call("GET", "/api/invitations/" + token);
    REQUIRE(shown.status == 200);
    CHECK(json_of(shown)["role"] == "curator");
    CHECK(json_of(shown)["invited_by"] == "organizer");
    CHECK(json_of(shown)["expires_at"] == made["expires_at"]);
    CHECK_FALSE(json_of(shown).contains("note"));

    const auto accepted = t.accept(token, "new.curator@festival.test");
    REQUIRE(accepted.status == 201);
    CHECK(json_of(accepted)["user"]["role"] == "curator");
    CHECK(std::string(accepted.header("set-cookie").value_or("")).find("HttpOnly") != std::string::npos);
    const auto me = t.f.call_as(session_from(accepted), "GET", "/api/session");
    REQUIRE(me.status == 200);
    CHECK(json_of(me)["user"]["email"] == "new.curator@festival.test");

    const auto again = t.accept(token, "someone.else@festival.test");
    check_error_shape(again, 410);
    CHECK(error_code(again) == "invitation_used");
    CHECK(error_code(t.f.call("GET", "/api/invitations/" + token)) == "invitation_used");
    CHECK(t.f.call("POST", "/api/session",
                   json{{"email", "someone.else@festival.test"}, {"password", "a long enough password"}}.dump())
              .status == 401);

    const auto listed = json_of(t.f.call_as(t.organizer, "GET", "/api/invitations"))["invitations"];
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["state"] == "used");
    CHECK(listed[0]["used_by"] == json_of(accepted)["user"]["id"]);
    CHECK(listed[0]["note"] == "for the documentary section");
    CHECK(listed.dump().find(token) == std::string::npos);
}

TEST_CASE("invitations: the role given is the role the account gets, and only organizers invite") {
    invitation_festival t;
    const auto curator = t.f.add_staff("curator@festival.test", role::curator);
    check_error_shape(t.f.call_as(curator, "POST", "/api/invitations", json{{"role", "organizer"}}.dump()), 403);
    check_error_shape(t.f.call_as(curator, "GET", "/api/invitations"), 403);
    check_error_shape(t.f.call("GET", "/api/invitations"), 401);
    check_error_shape(t.f.call_as(t.organizer, "POST", "/api/invitations", json{{"role", "admin"}}.dump()), 400);
    check_error_shape(t.f.call_as(t.organizer, "POST", "/api/invitations",
                                  json{{"role", "curator"}, {"language", "de"}}.dump()), 400);
    check_error_shape(t.f.call_as(t.organizer, "POST", "/api/invitations", json{{"role", "curator"}, {"hours", 721}}.dump()),
                      400);
    check_error_shape(t.f.call_as(t.organizer, "POST", "/api/invitations",
                                  json{{"role", "curator"}, {"note", std::string(201, 'x')}}.dump()), 400);
    const auto made = t.invite({{"role", "organizer"}});
    CHECK(made["url"] == "/en/invitation/" + made["token"].get<std::string>());
    const auto accepted = t.accept(made["token"], "second.organizer@festival.test");
    REQUIRE(accepted.status == 201);
    CHECK(json_of(accepted)["user"]["role"] == "organizer");
    CHECK(t.f.call_as(session_from(accepted), "GET", "/api/users").status == 200);
}

TEST_CASE("invitations: a link expires after its hours on the festival's clock") {
    invitation_festival t;
    const auto made = t.invite({{"role", "curator"}, {"hours", 1}});
    t.set_clock(1'800'000'000 + 3599);
    CHECK(t.f.call("GET", "/api/invitations/" + made["token"].get<std::string>()).status == 200);
    t.set_clock(1'800'000'000 + 3600);
    const auto late = t.accept(made["token"], "late@festival.test");
    check_error_shape(late, 410);
    CHECK(error_code(late) == "invitation_expired");
    CHECK(error_code(t.f.call("GET", "/api/invitations/" + made["token"].get<std::string>())) == "invitation_expired");
    CHECK(json_of(t.f.call_as(t.organizer, "GET", "/api/invitations"))["invitations"][0]["state"] == "expired");
}

TEST_CASE("invitations: a revoked link answers 410 invitation_revoked, an unknown one 404") {
    invitation_festival t;
    const auto made = t.invite({{"role", "curator"}});
    const std::string id = std::to_string(made["id"].get<std::int64_t>());
    CHECK(t.f.call_as(t.organizer, "DELETE", "/api/invitations/" + id).status == 204);
    const auto after = t.accept(made["token"], "x@festival.test");
    check_error_shape(after, 410);
    CHECK(error_code(after) == "invitation_revoked");
    CHECK(json_of(t.f.call_as(t.organizer, "GET", "/api/invitations"))["invitations"][0]["state"] == "revoked");
    check_error_shape(t.f.call("GET", "/api/invitations/" + std::string(64, '0')), 404);
    check_error_shape(t.f.call("POST", "/api/invitations/nonsense/accept",
                               json{{"email", "a@b.c"}, {"display_name", ""}, {"password", "long enough password"}}.dump()),
                      404);
    check_error_shape(t.f.call_as(t.organizer, "DELETE", "/api/invitations/999"), 404);
}

TEST_CASE("invitations: a link naming an email takes only that one, taken emails and weak passwords are refused") {
    invitation_festival t;
    t.f.add_staff("taken@festival.test", role::curator);
    const auto locked = t.invite({{"role", "curator"}, {"email", "Named@Festival.test"}});
    CHECK(json_of(t.f.call("GET", "/api/invitations/" + locked["token"].get<std::string>()))["email"] ==
          "Named@Festival.test");
    const auto wrong = t.accept(locked["token"], "other@festival.test");
    check_error_shape(wrong, 400);
    CHECK(error_code(wrong) == "invitation_email_mismatch");
    const auto weak = t.accept(locked["token"], "named@festival.test", "short");
    check_error_shape(weak, 400);
    CHECK(error_code(weak) == "weak_password");
    CHECK(t.accept(locked["token"], "named@festival.test").status == 201);

    const auto open = t.invite({{"role", "curator"}});
    const auto taken = t.accept(open["token"], "TAKEN@festival.test");
    check_error_shape(taken, 409);
    CHECK(error_code(taken) == "email_taken");
    CHECK(t.f.call("GET", "/api/invitations/" + open["token"].get<std::string>()).status == 200);  // still usable
}

TEST_CASE("invitations: accepting from another site's page is refused") {
    invitation_festival t;
    const auto made = t.invite({{"role", "curator"}});
    const auto r = t.f.call("POST", "/api/invitations/" + made["token"].get<std::string>() + "/accept",
                            json{{"email", "a@festival.test"}, {"display_name", "A"}, {"password", "long enough password"}}.dump(),
                            {{"sec-fetch-site", "cross-site"}});
    check_error_shape(r, 403);
    CHECK(t.f.call("GET", "/api/invitations/" + made["token"].get<std::string>()).status == 200);
}

TEST_CASE("invitations: two accepts of one link racing make one account") {
    invitation_festival t;
    for (int round = 0; round < 3; ++round) {
        const std::string token = t.invite({{"role", "curator"}})["token"];
        std::atomic<int> created{0}, gone{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> racers;
        for (int n = 0; n < 2; ++n)
            racers.emplace_back([&, n] {
                while (!go) std::this_thread::yield();
                const auto r = t.accept(token, "racer-" + std::to_string(round) + "-" + std::to_string(n) + "@festival.test");
                if (r.status == 201) ++created;
                else if (r.status == 410) ++gone;
            });
        go = true;
        for (auto& r : racers) r.join();
        CHECK(created == 1);
        CHECK(gone == 1);
    }
    CHECK(json_of(t.f.call_as(t.organizer, "GET", "/api/users"))["users"].size() == 4);  // the organizer and 3 racers
}
