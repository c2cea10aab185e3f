// Feedback over HTTP against a real `festival serve` on 127.0.0.1 and a free port: what needs the
// server's clock, client addresses or body limits (the rest is in feedback_handlers_test.cpp).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "tests/support/festival_fixture.hpp"

using namespace festival::testing;
using nlohmann::json;

namespace {

// A play that qualifies a rating: its id and the token its player was given.
struct play_proof {
    std::string id;
    std::string token;
    json with(json body) const {
        body["play_id"] = id;
        body["play_token"] = token;
        return body;
    }
};

// The shared fixture on the festival's clock, with four published films and a draft.
struct feedback_fixture : festival_fixture {
    feedback_fixture() : festival_fixture(fixture_options().with_clock(1'780'308'000'000)) {  // 2026-06-01T10:00:00Z
        const auto c = curator();
        for (const char* slug : {"retour", "loved", "lone-five", "cold"}) {
            json film = {{"slug", slug}, {"original_title", std::string("Réintégration ") + slug},
                         {"category", "documentary"}, {"published", true}};
            REQUIRE(c.call("POST", "/api/films", film.dump()).status == 201);
        }
        REQUIRE(c.call("POST", "/api/films",
                       json{{"slug", "draft"}, {"original_title", "Draft"}, {"category", "short"}}.dump())
                    .status == 201);
    }
    // Starts a play of `film` from `address` with `agent`, watched for `seconds` (30 make a view).
    play_proof watch(const std::string& film, const std::string& address = "127.0.0.1",
                     const std::string& agent = "viewer", int seconds = 31) {
        const header_list headers = {{"User-Agent", agent}};
        const auto started = http_call_from(address, port(), "POST", "/api/films/" + film + "/plays", "", headers);
        REQUIRE(started.status == 201);
        play_proof play{started.json()["play_id"].get<std::string>(), started.json()["play_token"].get<std::string>()};
        set_clock(clock_ms() + seconds * 1000);
        const json beat = {{"position", seconds}, {"played", seconds}};
        REQUIRE(http_call_from(address, port(), "POST", "/api/plays/" + play.id + "/heartbeat", beat.dump(), headers)
                    .status == 200);
        return play;
    }

    http_result comment(const std::string& film, const json& body) const {
        return http_call(port(), "POST", "/api/films/" + film + "/comments", body.dump());
    }
    http_result rate(const std::string& film, const json& body) const {
        return http_call(port(), "POST", "/api/films/" + film + "/ratings", body.dump());
    }
    http_result rate_from(const std::string& address, const std::string& film, const json& body) const {
        return http_call_from(address, port(), "POST", "/api/films/" + film + "/ratings", body.dump());
    }
    json queue(const std::string& status = "pending") const {
        const auto r = organizer().call("GET", "/api/moderation/comments?status=" + status);
        REQUIRE(r.status == 200);
        return r.json();
    }
};

std::string error_code(const http_result& r) { return r.json()["error"]["code"].get<std::string>(); }

// Reads CSV as RFC 4180 describes it (quoted fields may hold commas, quotes and line breaks).
std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
            else if (c == '"') quoted = false;
            else field += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().push_back(std::move(field));
            field.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            rows.back().push_back(std::move(field));
            field.clear();
            rows.emplace_back();
            ++i;
        } else {
            field += c;
        }
    }
    if (!field.empty() || !rows.back().empty()) rows.back().push_back(field);
    if (rows.back().empty()) rows.pop_back();
    return rows;
}

// POSTs JSON from another loopback address (127.0.0.N), so the server sees another client; returns
// the status code of the answer.
int post_from(const char* local_address, unsigned short port, const std::string& target, const std::string& body) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, local_address, &local.sin_addr);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) == 0);
    const std::string request = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
    char head[13] = {};
    std::size_t got = 0;
    while (got < 12) {
        const auto n = ::read(fd, head + got, 12 - got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    REQUIRE(got == 12);  // "HTTP/1.1 202"
    return std::stoi(std::string(head + 9, 3));
}

}  // namespace

TEST_CASE("invalid UTF-8, over-long text and oversized bodies are refused") {
    feedback_fixture f;
    const std::string broken = R"({"text":"caf)" "\xC3\x28" R"( au lait"})";
    auto r = http_call(f.port(), "POST", "/api/films/retour/comments", broken);
    CHECK(r.status == 400);
    CHECK(error_code(r) == "invalid_utf8");
    r = http_call(f.port(), "POST", "/api/films/retour/ratings", std::string(R"({"stars":5,"play_id":"a)") + "\xFF\"}");
    CHECK(r.status == 400);
    CHECK(error_code(r) == "invalid_utf8");

    std::string limit_text;
    for (int i = 0; i < 2000; ++i) limit_text += "é";
    CHECK(f.comment("retour", {{"text", limit_text}}).status == 202);  // 2000 characters are fine
    r = f.comment("retour", {{"text", limit_text + "é"}});
    CHECK(r.status == 400);
    CHECK(error_code(r) == "too_long");
    r = f.comment("retour", {{"text", "ok"}, {"name", std::string(81, 'n')}});
    CHECK(r.status == 400);
    CHECK(error_code(r) == "too_long");
    r = f.comment("retour", {{"text", std::string(40 * 1024, 'x')}});
    CHECK(r.status == 413);
    r = f.comment("retour", {{"text", "   "}});
    CHECK(r.status == 400);
    r = http_call(f.port(), "POST", "/api/films/retour/comments", R"({"text":"hi"})", {{"Content-Type", "text/plain"}});
    CHECK(r.status == 415);
    CHECK(f.comment("no-such-film", {{"text", "hi"}}).status == 404);
    CHECK(f.comment("draft", {{"text", "hi"}}).status == 404);  // unpublished films take no feedback
    CHECK(f.queue()["total"] == 1);
}

TEST_CASE("thirty rapid comments from one client get 429 with Retry-After after the tenth") {
    feedback_fixture f;
    int accepted = 0, limited = 0;
    std::string retry_after;
    for (int i = 0; i < 30; ++i) {
        const auto r = f.comment("retour", {{"text", "comment number " + std::to_string(i)}});
        if (r.status == 202) {
            CHECK(limited == 0);  // nothing is accepted again once limited
            ++accepted;
        } else {
            CHECK(r.status == 429);
            CHECK(error_code(r) == "rate_limited");
            retry_after = r.header("retry-after");
            ++limited;
        }
    }
    CHECK(accepted == 10);
    CHECK(limited == 20);
    REQUIRE_FALSE(retry_after.empty());
    CHECK(std::stoi(retry_after) > 0);
    CHECK(std::stoi(retry_after) <= 600);
    CHECK(f.queue()["total"] == 10);
    // The limit is per client: another address still gets through.
    CHECK(post_from("127.0.0.2", f.port(), "/api/films/retour/comments", R"({"text":"from elsewhere"})") == 202);
    CHECK(f.queue()["total"] == 11);
    // Ratings have their own budget, and reading is never limited.
    CHECK(f.rate("retour", f.watch("retour").with({{"stars", 4}})).status == 201);
    CHECK(http_call(f.port(), "GET", "/api/films/retour/comments").status == 200);
}

TEST_CASE("ratings count at once, once per play, and the award matches a hand-computed Bayesian ranking") {
    feedback_fixture f;
    const auto play = f.watch("retour");
    CHECK(f.rate("retour", play.with({{"stars", 0}})).status == 400);
    CHECK(f.rate("retour", play.with({{"stars", 6}})).status == 400);
    CHECK(f.rate("retour", play.with({{"stars", "5"}})).status == 400);
    CHECK(f.rate("retour", play.with({{"stars", 4.5}})).status == 400);
    auto r = f.rate("retour", play.with({{"stars", 3}}));
    CHECK(r.status == 201);
    CHECK(r.json()["count"] == 1);
    r = f.rate("retour", play.with({{"stars", 5}}));  // the same play again replaces
    CHECK(r.status == 200);
    CHECK(r.json()["replaced"] == true);
    auto summary = http_call(f.port(), "GET", "/api/films/retour/ratings").json();
    CHECK(summary["count"] == 1);
    CHECK(summary["average"].get<double>() == doctest::Approx(5.0));
    CHECK(http_call(f.port(), "GET", "/api/films/cold/ratings").json()["average"].is_null());

    // "retour" now holds one 5 (like lone-five would); use the other films for the example, each
    // rating from a viewer of its own (127.0.0.2, 127.0.0.3, ...).
    int viewer = 2;
    auto rate_as_new_viewer = [&](const std::string& film, int stars) {
        const auto address = "127.0.0." + std::to_string(viewer++);
        REQUIRE(f.rate_from(address, film, f.watch(film, address).with({{"stars", stars}})).status == 201);
    };
    for (int i = 0; i < 6; ++i) rate_as_new_viewer("loved", 5);
    for (int i = 0; i < 4; ++i) rate_as_new_viewer("loved", 4);
    for (int stars : {2, 3, 1}) rate_as_new_viewer("cold", stars);
    // By hand, C = 10, 14 ratings summing to 57: m = 57/14.
    //   loved (10 votes, 4.6): (570/14 + 46)/20 = 4.335714;  retour (one 5): (570/14 + 5)/11 = 4.155844;
    //   cold (2, 3, 1): (570/14 + 6)/13 = 3.593407.
    const auto award = f.organizer().call("GET", "/api/award").json();
    CHECK(award["public"] == false);
    CHECK(award["prior_weight"] == 10);
    CHECK(award["festival_mean"].get<double>() == doctest::Approx(57.0 / 14.0));
    REQUIRE(award["ranking"].size() == 3);
    CHECK(award["ranking"][0]["film"]["slug"] == "loved");
    CHECK(award["ranking"][0]["score"].get<double>() == doctest::Approx(4.335714).epsilon(1e-6));
    CHECK(award["ranking"][1]["film"]["slug"] == "retour");
    CHECK(award["ranking"][1]["score"].get<double>() == doctest::Approx(4.155844).epsilon(1e-6));
    CHECK(award["ranking"][2]["film"]["slug"] == "cold");
    CHECK(award["ranking"][2]["score"].get<double>() == doctest::Approx(3.593407).epsilon(1e-6));
    CHECK(award["ranking"][2]["count"] == 3);

    CHECK(http_call(f.port(), "GET", "/api/award").status == 401);
    REQUIRE(f.organizer().call("PUT", "/api/award", R"({"public":true})").status == 200);
    const auto open = http_call(f.port(), "GET", "/api/award");
    CHECK(open.status == 200);
    CHECK(open.json()["ranking"][0]["film"]["slug"] == "loved");
    REQUIRE(f.organizer().call("PUT", "/api/award", R"({"public":false})").status == 200);
    CHECK(http_call(f.port(), "GET", "/api/award").status == 401);
}

TEST_CASE("a rating counts only from a play of the film that reached a view, once per viewer") {
    feedback_fixture f;
    // The attack that worked: four addresses, thirty five-star votes each, no one watching.
    for (const char* address : {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"})
        for (int i = 0; i < 30; ++i) CHECK(f.rate_from(address, "loved", {{"stars", 5}}).status == 403);
    const auto refused = f.rate("loved", {{"stars", 5}, {"play_id", "0123456789abcdef0123456789abcdef"}});
    CHECK(refused.status == 403);
    CHECK(error_code(refused) == "play_required");
    const auto guessed = f.rate("loved", play_proof{"0123456789abcdef0123456789abcdef", "guess"}.with({{"stars", 5}}));
    CHECK(guessed.status == 403);
    CHECK(error_code(guessed) == "play_not_found");

    const auto watched = f.watch("loved");
    CHECK(error_code(f.rate("loved", play_proof{watched.id, "not the token"}.with({{"stars", 5}}))) == "play_not_found");
    const auto other_film = f.rate("cold", watched.with({{"stars", 5}}));
    CHECK(other_film.status == 409);
    CHECK(error_code(other_film) == "play_film_mismatch");
    const auto glimpse = f.watch("loved", "127.0.0.6", "viewer", 10);  // 10 s: not a view
    const auto too_short = f.rate_from("127.0.0.6", "loved", glimpse.with({{"stars", 5}}));
    CHECK(too_short.status == 403);
    CHECK(error_code(too_short) == "play_not_viewed");
    const auto award = [&] { return f.organizer().call("GET", "/api/award").json(); };
    CHECK(award()["ratings"] == 0);
    CHECK(http_call(f.port(), "GET", "/api/films/loved/ratings").json()["count"] == 0);

    CHECK(f.rate("loved", watched.with({{"stars", 4}})).status == 201);
    // The same viewer (address, user agent, film and day) watching again replaces its rating.
    const auto again = f.watch("loved");
    const auto replaced = f.rate("loved", again.with({{"stars", 2}}));
    CHECK(replaced.status == 200);
    CHECK(replaced.json()["replaced"] == true);
    CHECK(award()["ratings"] == 1);
    CHECK(award()["ranking"][0]["average"].get<double>() == doctest::Approx(2.0));
    // The play's own token is what counts, not the address: a rating sent from elsewhere still counts once.
    CHECK(f.rate_from("127.0.0.7", "loved", again.with({{"stars", 3}})).status == 200);
    CHECK(award()["ratings"] == 1);
    // A restart forgets the plays in memory; the catalog's row still proves the play.
    REQUIRE(f.server->stop() == 0);
    f.start();
    CHECK(f.rate("loved", again.with({{"stars", 5}})).status == 200);
    CHECK(award()["ratings"] == 1);
    CHECK(award()["ranking"][0]["average"].get<double>() == doctest::Approx(5.0));
}

TEST_CASE("the CSV export starts with a BOM, keeps accents and defuses formulas, JSON has everything") {
    feedback_fixture f;
    REQUIRE(f.comment("retour", {{"text", "Très émouvant, niño \"bravo\""}, {"name", "Zoé"}, {"lang", "es"}}).status == 202);
    REQUIRE(f.comment("retour", {{"text", "=HYPERLINK(\"http://evil.example\",\"clic\")"}}).status == 202);
    REQUIRE(f.rate("retour", f.watch("retour").with({{"stars", 5}})).status == 201);
    const auto o = f.organizer();
    const auto csv = o.call("GET", "/api/moderation/export.csv");
    REQUIRE(csv.status == 200);
    CHECK(csv.header("content-type") == "text/csv; charset=utf-8");
    CHECK(csv.header("content-disposition").find("attachment") != std::string::npos);
    CHECK(csv.body.rfind("\xEF\xBB\xBF" "id,film,film_title,status,name,lang,text", 0) == 0);
    CHECK(csv.body.find("\"Très émouvant, niño \"\"bravo\"\"\"") != std::string::npos);
    CHECK(csv.body.find("Zoé") != std::string::npos);
    CHECK(csv.body.find("Réintégration retour") != std::string::npos);
    CHECK(csv.body.find("\"'=HYPERLINK(") != std::string::npos);
    CHECK(csv.body.find(",=HYPERLINK") == std::string::npos);

    // Read back as a spreadsheet would: every field intact, the formula defused by its leading '.
    const std::string multiline = "Première ligne, \"citée\"\nseconde ligne ñ";
    REQUIRE(f.comment("loved", {{"text", multiline}}).status == 202);
    const auto rows = parse_csv(o.call("GET", "/api/moderation/export.csv").body.substr(3));
    REQUIRE(rows.size() == 4);
    for (const auto& row : rows) CHECK(row.size() == 10);
    CHECK(rows[1][4] == "Zoé");
    CHECK(rows[1][6] == "Très émouvant, niño \"bravo\"");
    CHECK(rows[2][6] == "'=HYPERLINK(\"http://evil.example\",\"clic\")");
    CHECK(rows[3][1] == "loved");
    CHECK(rows[3][6] == multiline);

    const auto ratings = o.call("GET", "/api/moderation/export.csv?kind=ratings");
    REQUIRE(ratings.status == 200);
    CHECK(ratings.body.find("1,retour,Réintégration retour,1,5.0000,5.0000") != std::string::npos);
    CHECK(o.call("GET", "/api/moderation/export.csv?kind=nope").status == 400);

    const auto all = o.call("GET", "/api/moderation/export.json");
    REQUIRE(all.status == 200);
    const auto j = all.json();
    REQUIRE(j["comments"].size() == 3);
    CHECK(j["comments"][0]["text"] == "Très émouvant, niño \"bravo\"");
    CHECK(j["ratings"][0]["film"] == "retour");
    CHECK(j["questions"].size() == 3);

    // A formula behind a space, an NBSP or in full-width form is defused too (the comment routes keep
    // these characters as sent).
    for (const std::string text : {" =1+2", "\xC2\xA0=1+2", "\xEF\xBC\x9D" "1+2"})
        REQUIRE(f.comment("loved", {{"text", text}}).status == 202);
    const auto guarded = parse_csv(o.call("GET", "/api/moderation/export.csv").body.substr(3));
    REQUIRE(guarded.size() == 7);
    CHECK(guarded[4][6] == "' =1+2");
    CHECK(guarded[5][6] == "'\xC2\xA0=1+2");
    CHECK(guarded[6][6] == "'\xEF\xBC\x9D" "1+2");
}
