// Comments and their moderation through the real route table and dispatcher, in process.
#include <doctest/doctest.h>

#include "tests/support/in_process_checks.hpp"

using namespace festival::testing;
using festival::catalog::role;
using nlohmann::json;

namespace {

// A festival in process with four published films, a draft, and an organizer.
struct feedback_festival : in_process_festival {
    in_process_session curator = add_staff("curator@festival.test", role::curator);
    in_process_session organizer = add_staff("organizer@festival.test", role::organizer);

    feedback_festival() {
        for (const char* slug : {"retour", "loved", "lone-five", "cold"}) {
            json film = {{"slug", slug}, {"original_title", std::string("Réintégration ") + slug},
                         {"category", "documentary"}, {"published", true}};
            REQUIRE(call_as(curator, "POST", "/api/films", film.dump()).status == 201);
        }
        REQUIRE(call_as(curator, "POST", "/api/films",
                        json{{"slug", "draft"}, {"original_title", "Draft"}, {"category", "short"}}.dump())
                    .status == 201);
    }
    // An anonymous call, answered as the HTTP client reads answers.
    http_result http(const std::string& method, const std::string& target, const std::string& body = "") {
        return as_http_result(call(method, target, body));
    }
    festival::server::http_response comment(const std::string& film, const json& body) {
        return call("POST", "/api/films/" + film + "/comments", body.dump());
    }
    json queue(const std::string& status = "pending") {
        const auto r = call_as(organizer, "GET", "/api/moderation/comments?status=" + status);
        REQUIRE(r.status == 200);
        return json_of(r);
    }
    json public_comments(const std::string& film, const std::string& query = "") {
        const auto r = call("GET", "/api/films/" + film + "/comments" + query);
        REQUIRE(r.status == 200);
        return json_of(r);
    }
    std::int64_t moderate(const std::vector<std::int64_t>& ids, const std::string& action) {
        const auto r = call_as(organizer, "POST", "/api/moderation/comments", json{{"ids", ids}, {"action", action}}.dump());
        REQUIRE(r.status == 200);
        return json_of(r)["changed"].get<std::int64_t>();
    }
};

}  // namespace

TEST_CASE("HTML and script payloads are stored and returned verbatim, and public only once approved") {
    feedback_festival f;
    const std::string payload = "<script>window.__pwned=1</script><img src=x onerror=\"alert('xss')\"> & \"quotes\"";
    const auto posted = f.comment("retour", {{"text", payload}, {"name", "<b>Zoé</b>"}, {"lang", "fr"}, {"website", ""}});
    CHECK(posted.status == 202);
    CHECK(json_of(posted)["status"] == "pending");
    CHECK(f.public_comments("retour")["total"] == 0);  // not public before moderation

    const auto queue = f.queue();
    REQUIRE(queue["total"] == 1);
    CHECK(queue["comments"][0]["text"] == payload);
    CHECK(queue["comments"][0]["film"]["slug"] == "retour");
    f.moderate({queue["comments"][0]["id"].get<std::int64_t>()}, "approve");

    const auto shown = f.call("GET", "/api/films/retour/comments");
    CHECK(std::string(shown.header("content-type").value_or("")).find("application/json") != std::string::npos);
    const auto list = json_of(shown);
    REQUIRE(list["total"] == 1);
    CHECK(list["comments"][0]["text"] == payload);
    CHECK(list["comments"][0]["name"] == "<b>Zoé</b>");
    CHECK(list["comments"][0]["lang"] == "fr");
    CHECK_FALSE(list["comments"][0].contains("author_hash"));
    CHECK(f.public_comments("loved")["total"] == 0);  // another film's list stays empty
}

TEST_CASE("the honeypot drops robots silently and the same text twice is merged") {
    feedback_festival f;
    CHECK(f.comment("retour", {{"text", "Buy cheap pills"}, {"website", "http://spam.example"}}).status == 202);
    CHECK(f.comment("retour", {{"text", "Un film magnifique"}, {"website", ""}}).status == 202);
    CHECK(f.comment("retour", {{"text", "Un film magnifique"}, {"website", ""}}).status == 202);
    const auto queue = f.queue();
    REQUIRE(queue["total"] == 1);
    CHECK(queue["comments"][0]["text"] == "Un film magnifique");
    CHECK(queue["comments"][0]["submissions"] == 2);
}

TEST_CASE("organizers approve, reject and delete comments in bulk, approved ones are paged newest first") {
    feedback_festival f;
    for (int i = 1; i <= 5; ++i) REQUIRE(f.comment("retour", {{"text", "avis " + std::to_string(i)}}).status == 202);
    const auto queue = f.queue();
    REQUIRE(queue["total"] == 5);
    std::vector<std::int64_t> ids;
    for (const auto& c : queue["comments"]) ids.push_back(c["id"].get<std::int64_t>());
    CHECK(queue["comments"][0]["text"] == "avis 1");  // the queue is worked oldest first

    CHECK(f.moderate({ids[0], ids[1], ids[2], ids[3]}, "approve") == 4);
    auto page1 = f.public_comments("retour", "?page=1&per_page=3");
    CHECK(page1["total"] == 4);
    REQUIRE(page1["comments"].size() == 3);
    CHECK(page1["comments"][0]["text"] == "avis 4");
    CHECK(page1["comments"][2]["text"] == "avis 2");
    auto page2 = f.public_comments("retour", "?page=2&per_page=3");
    REQUIRE(page2["comments"].size() == 1);
    CHECK(page2["comments"][0]["text"] == "avis 1");

    CHECK(f.moderate({ids[0], ids[4]}, "reject") == 2);
    CHECK(f.public_comments("retour")["total"] == 3);
    CHECK(f.queue("rejected")["total"] == 2);
    CHECK(f.queue("pending")["total"] == 0);
    CHECK(f.moderate({ids[1], ids[4], 424242}, "delete") == 2);
    CHECK(f.queue("all")["total"] == 3);
    CHECK(f.public_comments("retour")["total"] == 2);

    const auto moderate = [&](const json& body) {
        return f.call_as(f.organizer, "POST", "/api/moderation/comments", body.dump()).status;
    };
    CHECK(moderate({{"ids", ids}, {"action", "publish"}}) == 400);
    CHECK(moderate({{"ids", json::array()}, {"action", "approve"}}) == 400);
    CHECK(f.call("GET", "/api/films/retour/comments?per_page=0").status == 400);
}

TEST_CASE("moderation, exports and the unpublished award are closed to everyone but organizers") {
    feedback_festival f;
    REQUIRE(f.comment("retour", {{"text", "secret until approved"}}).status == 202);
    const auto body = json{{"ids", {1}}, {"action", "approve"}}.dump();
    CHECK(f.call("GET", "/api/moderation/comments").status == 401);
    CHECK(f.call("POST", "/api/moderation/comments", body).status == 401);
    CHECK(f.call("GET", "/api/moderation/export.csv").status == 401);
    CHECK(f.call("GET", "/api/moderation/export.json").status == 401);
    CHECK(f.call("GET", "/api/award").status == 401);
    CHECK(f.call("PUT", "/api/award", R"({"public":true})").status == 401);
    CHECK(f.call("PUT", "/api/feedback/form", R"({"questions":[]})").status == 401);
    CHECK(f.call_as(f.curator, "GET", "/api/moderation/comments").status == 403);
    CHECK(f.call_as(f.curator, "POST", "/api/moderation/comments", body).status == 403);
    CHECK(f.call_as(f.curator, "GET", "/api/moderation/export.csv").status == 403);
    CHECK(f.call_as(f.curator, "GET", "/api/award").status == 403);
    CHECK(f.call_as(f.curator, "PUT", "/api/award", R"({"public":true})").status == 403);
    // An organizer's write without the CSRF token is refused too.
    CHECK(f.call("POST", "/api/moderation/comments", body, {{"Cookie", f.organizer.cookie}}).status == 403);
    CHECK(f.public_comments("retour")["total"] == 0);
}

TEST_CASE("anyone answers the festival form, organizers edit its questions and export the answers") {
    feedback_festival f;
    const auto form = f.http("GET", "/api/feedback/form").json();
    REQUIRE(form["questions"].size() == 3);
    const auto heard = std::to_string(form["questions"][0]["id"].get<int>());
    const auto touched = std::to_string(form["questions"][1]["id"].get<int>());
    const auto word = std::to_string(form["questions"][2]["id"].get<int>());
    auto r = f.http("POST", "/api/feedback",
                    json{{"answers", {{heard, "social_media"}, {touched, "loved"}, {word, "Bravo à l'équipe ! ñ"}}},
                         {"lang", "fr"}, {"website", ""}}.dump());
    CHECK(r.status == 201);
    r = f.http("POST", "/api/feedback", json{{"answers", {{heard, "carrier pigeon"}}}}.dump());
    CHECK(r.status == 400);
    CHECK(r.json()["error"]["code"] == "invalid_answer");
    r = f.http("POST", "/api/feedback", json{{"answers", {{touched, "draft"}}}}.dump());
    CHECK(r.status == 400);  // an unpublished film is no answer
    // A robot filling the honeypot is told "received" and nothing is kept.
    CHECK(f.http("POST", "/api/feedback", json{{"answers", {{word, "spam"}}}, {"website", "x"}}.dump()).status == 201);

    const in_process_client o{&f, f.organizer};
    auto questions = form["questions"];
    questions[2]["label"]["en"] = "Anything else?";
    questions[2]["required"] = true;
    r = o.call("PUT", "/api/feedback/form", json{{"questions", questions}}.dump());
    REQUIRE(r.status == 200);
    CHECK(r.json()["questions"][2]["label"]["en"] == "Anything else?");
    CHECK(o.call("PUT", "/api/feedback/form", json{{"questions", {{{"kind", "maybe"}}}}}.dump()).status == 400);

    const auto csv = o.call("GET", "/api/moderation/export.csv?kind=answers&lang=fr");
    REQUIRE(csv.status == 200);
    CHECK(csv.body.rfind("\xEF\xBB\xBF", 0) == 0);
    CHECK(csv.body.find("Comment avez-vous connu le festival ?") != std::string::npos);
    CHECK(csv.body.find("social_media,loved,Bravo à l'équipe ! ñ") != std::string::npos);
    CHECK(csv.body.find("spam") == std::string::npos);
}
