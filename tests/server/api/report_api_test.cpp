// Filmmakers' reports through the API, in process: organizers make, list and revoke links (audited,
// the token never listed); the token opens the film's figures, the same as the organizers'
// statistics give for that film, as JSON, CSV (formula-guarded) and the page; a revoked or unknown
// token answers 404 everywhere.
#include <doctest/doctest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "catalog/audit_log.hpp"
#include "catalog/database.hpp"
#include "catalog/feedback.hpp"
#include "catalog/stats.hpp"
#include "catalog/viewer_sketch.hpp"
#include "tests/support/film_body.hpp"
#include "tests/support/in_process_checks.hpp"

using namespace festival::testing;
using nlohmann::json;
namespace catalog = festival::catalog;

namespace {

constexpr std::int64_t day_one = 20'600;  // 2026-05-26 as a unix day
constexpr std::int64_t day_two = day_one + 3;

struct report_fixture : in_process_festival {
    in_process_client organizer{this, add_staff("organizer@festival.test", catalog::role::organizer)};
    in_process_client curator{this, add_staff("ana@festival.test", catalog::role::curator)};
    std::int64_t film_id = 0;
    std::int64_t other_film_id = 0;

    report_fixture() {
        auto body = film_body("la-frontera");
        body["texts"]["es"] = {{"title", "La frontera"}, {"synopsis", "Un regreso."}};
        film_id = organizer.call("POST", "/api/films", body.dump()).json()["id"];
        other_film_id = organizer.call("POST", "/api/films", film_body("autre").dump()).json()["id"];
    }

    json make_link(const std::string& language, const std::string& label = "") {
        const auto made = organizer.call("POST", "/api/films/la-frontera/report-links",
                                         json{{"language", language}, {"label", label}}.dump());
        REQUIRE(made.status == 201);
        return made.json();
    }
    http_result anonymous(const std::string& target, const request_headers& headers = {}) {
        return as_http_result(call("GET", target, "", headers));
    }
};

void check_report_headers(const http_result& r) {
    CHECK(r.headers.at("cache-control") == "no-store");
    CHECK(r.headers.at("referrer-policy") == "no-referrer");
    CHECK(r.headers.at("x-robots-tag") == "noindex");
}

// Two days of audience for the film and one for another film, written as the audience writer does.
void write_audience(catalog::database& db, std::int64_t film, std::int64_t other) {
    catalog::stats_batch batch;
    batch.minutes[{film, day_one * 1440 + 600}] = {3, 2, 5'400'000, 2};
    batch.minutes[{film, day_one * 1440 + 601}] = {1, 1, 1'800'000, 3};
    batch.minutes[{film, day_two * 1440 + 30}] = {2, 1, 900'000, 1};
    batch.minutes[{other, day_one * 1440 + 600}] = {7, 5, 9'000'000, 6};
    catalog::play_day_delta first;
    first.measured_plays = 4;
    first.completed = 1;
    first.retention = {{0, 4}, {50, 2}, {99, 1}};
    first.viewer_hashes = {"a", "b", "c"};
    batch.days[{film, day_one}] = first;
    catalog::play_day_delta second;
    second.measured_plays = 2;
    second.completed = 2;
    second.retention = {{0, 2}, {99, 2}};
    second.viewer_hashes = {"a", "d"};
    batch.days[{film, day_two}] = second;
    batch.days[{other, day_one}] = first;
    batch.festival_peak_live[day_one * 1440 + 600] = 9;
    batch.countries[{film, day_one, "FR"}] = {3, 2, 6'000'000};
    batch.countries[{film, day_one, ""}] = {1, 1, 1'200'000};
    batch.countries[{film, day_two, "SN"}] = {2, 1, 900'000};
    batch.countries[{other, day_one, "ES"}] = {7, 5, 9'000'000};
    catalog::write_stats_batch(db, batch);
    catalog::raise_sketch_registers(db, {{film, catalog::slot_of_hash(0x0123456789abcdefULL)},
                                         {film, catalog::slot_of_hash(0xfedcba9876543210ULL)}});
}

// The organizers' per-film row of /api/stats for this film and range.
json organizer_row(report_fixture& f, std::int64_t film, const std::string& query = "") {
    const auto stats = f.organizer.call("GET", "/api/stats" + query);
    REQUIRE(stats.status == 200);
    const auto body = stats.json();
    for (const auto& row : body["films"])
        if (row["film_id"] == film) return row;
    FAIL("no row for the film");
    return {};
}

std::vector<std::vector<std::string>> csv_lines(const std::string& text) {
    std::vector<std::vector<std::string>> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::vector<std::string> cells;
        std::string cell;
        bool quoted = false;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const char c = line[i];
            if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') cell += '"', ++i;
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) cells.push_back(cell), cell.clear();
            else cell += c;
        }
        cells.push_back(cell);
        lines.push_back(cells);
    }
    return lines;
}

}  // namespace

TEST_CASE("report links: organizers only, the token shown once and never listed, each change audited") {
    report_fixture f;
    const auto made = f.make_link("es", "Para la directora");
    const std::string token = made["token"];
    CHECK(token.size() == 64);
    CHECK(made["url"] == "/es/report/" + token);
    CHECK(made["language"] == "es");
    CHECK(made["label"] == "Para la directora");
    CHECK(made["created_at"].is_string());
    CHECK(made["id"].get<std::int64_t>() > 0);

    // Curators and visitors may neither make nor list nor revoke.
    const auto body = json{{"language", "fr"}}.dump();
    CHECK(f.curator.call("POST", "/api/films/la-frontera/report-links", body).status == 403);
    CHECK(f.curator.call("GET", "/api/films/la-frontera/report-links").status == 403);
    CHECK(f.curator.call("DELETE", "/api/report-links/" + std::to_string(made["id"].get<std::int64_t>())).status == 403);
    CHECK(f.call("POST", "/api/films/la-frontera/report-links", body).status == 401);
    CHECK(f.call("GET", "/api/films/la-frontera/report-links").status == 401);
    // A write without the session's CSRF token is refused too.
    CHECK(f.organizer.call("POST", "/api/films/la-frontera/report-links", body, false).status == 403);

    // Bad input: 4xx with the error shape, nothing stored.
    for (const auto& refusal : std::vector<std::pair<json, std::string>>{
             {json{{"language", "de"}}, "invalid_language"},
             {json{{"label", "x"}}, "invalid_language"},
             {json{{"language", "fr"}, {"label", std::string(201, 'x')}}, "too_long"},
             {json{{"language", 3}}, "invalid_body"},
             {json::array(), "invalid_body"}}) {
        const auto& sent = refusal.first;
        CAPTURE(sent.dump());
        const auto refused = f.organizer.call("POST", "/api/films/la-frontera/report-links", sent.dump());
        CHECK(refused.status == 400);
        CHECK(refused.json()["error"]["code"] == refusal.second);
    }
    CHECK(f.organizer.call("POST", "/api/films/nope/report-links", body).status == 404);
    CHECK(f.organizer.call("GET", "/api/films/nope/report-links").status == 404);

    const auto second = f.make_link("fr");
    const auto listed = f.organizer.call("GET", "/api/films/la-frontera/report-links");
    REQUIRE(listed.status == 200);
    CHECK(listed.body.find(token) == std::string::npos);
    CHECK(listed.body.find(second["token"].get<std::string>()) == std::string::npos);
    REQUIRE(listed.json()["links"].size() == 2);
    CHECK(listed.json()["links"][0]["id"] == made["id"]);
    CHECK(listed.json()["links"][0]["label"] == "Para la directora");
    CHECK(listed.json()["links"][0]["active"] == true);
    CHECK(f.organizer.call("GET", "/api/films/autre/report-links").json()["links"].empty());

    // Revoked: 204, twice too, and listed as revoked; unknown ids are 404s.
    const auto revoke = "/api/report-links/" + std::to_string(made["id"].get<std::int64_t>());
    CHECK(f.organizer.call("DELETE", revoke).status == 204);
    CHECK(f.organizer.call("DELETE", revoke).status == 204);
    CHECK(f.organizer.call("DELETE", "/api/report-links/999999").status == 404);
    CHECK(f.organizer.call("DELETE", "/api/report-links/abc").status == 404);
    const auto after = f.organizer.call("GET", "/api/films/la-frontera/report-links").json()["links"];
    CHECK(after[0]["active"] == false);
    CHECK(after[0]["revoked_at"].is_string());
    CHECK(after[1]["active"] == true);

    // The audit log: two creations and one revocation (the second DELETE changed nothing), by the
    // organizer, about the film, and no token anywhere.
    const auto entries = catalog::list_audit(f.db(), 50);
    std::map<std::string, int> actions;
    for (const auto& e : entries) {
        ++actions[e.action];
        CHECK(e.actor.email == "organizer@festival.test");
        CHECK(e.actor.user_id == f.organizer.session.who.user.id);
        CHECK(e.subject == "film:" + std::to_string(f.film_id));
        const auto text = e.details.dump();
        CHECK(text.find(token) == std::string::npos);
        CHECK(text.find(second["token"].get<std::string>()) == std::string::npos);
    }
    CHECK(actions["report_link.create"] == 2);
    CHECK(actions["report_link.revoke"] == 1);
    CHECK(entries.size() == 3);
}

TEST_CASE("a report shows the film's figures exactly as the organizers' statistics give them") {
    report_fixture f;
    write_audience(f.db(), f.film_id, f.other_film_id);
    catalog::add_rating(f.db(), f.film_id, 5, "play-1", "viewer-1");
    catalog::add_rating(f.db(), f.film_id, 4, "play-2", "viewer-2");
    catalog::add_rating(f.db(), f.film_id, 5, "play-3", "viewer-3");
    catalog::add_rating(f.db(), f.other_film_id, 1, "play-4", "viewer-4");
    const auto shown = catalog::submit_comment(f.db(), {f.film_id, "Merci pour ce film", "Zoé", "fr", "author-1", {}});
    catalog::submit_comment(f.db(), {f.film_id, "Pas encore lu", "Ali", "fr", "author-2", {}});  // pending
    const auto refused = catalog::submit_comment(f.db(), {f.film_id, "Spam", "X", "en", "author-3", {}});
    catalog::moderate_comments(f.db(), {shown.id}, catalog::moderation_action::approve);
    catalog::moderate_comments(f.db(), {refused.id}, catalog::moderation_action::reject);

    const auto link = f.make_link("es");
    const auto answer = f.anonymous("/api/reports/" + link["token"].get<std::string>());
    REQUIRE(answer.status == 200);
    check_report_headers(answer);
    const auto report = answer.json();
    CHECK(report["language"] == "es");
    CHECK(report["film"]["title"] == "La frontera");
    CHECK(report["film"]["title_language"] == "es");
    CHECK(report["film"]["slug"] == "la-frontera");

    // The totals are the organizers' row for the film over every day, figure by figure.
    const auto row = organizer_row(f, f.film_id);
    for (const char* name : {"plays", "views", "unique_viewers", "watch_seconds", "watch_hours", "peak_live",
                             "measured_plays", "completed", "completion"}) {
        CAPTURE(name);
        CHECK(report["totals"][name] == row[name]);
    }
    CHECK(report["totals"]["views"] == 4);
    CHECK(report["totals"]["unique_viewers"] == 5);  // viewer-film-days: "a" on both days counts twice
    CHECK(report["totals"]["peak_live"] == 3);
    CHECK(report["totals"]["completion"] == doctest::Approx(0.5));

    // Per day: the organizers' row for the film with that day as the range.
    REQUIRE(report["days"].size() == 2);
    CHECK(report["range"]["from"] == catalog::day_text(day_one));
    CHECK(report["range"]["to"] == catalog::day_text(day_two));
    for (const auto& day : report["days"]) {
        const std::string text = day["day"];
        const auto that_day = organizer_row(f, f.film_id, "?from=" + text + "&to=" + text);
        for (const char* name : {"plays", "views", "unique_viewers", "watch_hours", "peak_live", "completion"}) {
            CAPTURE(text);
            CAPTURE(name);
            CHECK(day[name] == that_day[name]);
        }
    }

    // Retention: the organizers' curve for the film.
    const auto curve = f.organizer.call("GET", "/api/stats/films/la-frontera/retention").json();
    CHECK(report["retention"]["share"] == curve["share"]);
    CHECK(report["retention"]["measured_plays"] == curve["measured_plays"]);
    CHECK(report["retention"]["share"].size() == 100);

    // Countries of this film only (the other film's Spain is not there), unknown as null.
    REQUIRE(report["countries"].size() == 3);
    std::map<std::string, std::int64_t> views;
    for (const auto& c : report["countries"]) views[c["country"].is_null() ? "unknown" : c["country"].get<std::string>()] = c["views"];
    CHECK(views == std::map<std::string, std::int64_t>{{"FR", 2}, {"SN", 1}, {"unknown", 1}});

    // Whole-run people: the sketch's estimate for the film.
    CHECK(report["whole_run"]["unique_viewers"] == catalog::whole_run_unique_viewers(f.db(), f.film_id).estimate);
    CHECK(report["whole_run"]["unique_viewers"] == 2);

    // Ratings of this film, with the stars' distribution; the approved comment only, without its author.
    CHECK(report["ratings"]["count"] == 3);
    CHECK(report["ratings"]["average"] == doctest::Approx(14.0 / 3));
    CHECK(report["ratings"]["distribution"] == json::array({0, 0, 0, 1, 2}));
    CHECK(row["ratings"] == 3);
    REQUIRE(report["comments"].size() == 1);
    CHECK(report["comments"][0]["text"] == "Merci pour ce film");
    CHECK(report["comments"][0]["language"] == "fr");
    CHECK(report["comments"][0]["created_at"].is_string());
    CHECK(report["comments_total"] == row["comments"]);
    CHECK(answer.body.find("Zoé") == std::string::npos);

    // The CSV: summary rows, then the days, then the countries, with the same numbers.
    const auto csv = f.anonymous("/api/reports/" + link["token"].get<std::string>() + "/report.csv");
    REQUIRE(csv.status == 200);
    check_report_headers(csv);
    CHECK(csv.headers.at("content-type") == "text/csv; charset=utf-8");
    CHECK(csv.headers.at("content-disposition") == "attachment; filename=\"report-la-frontera.csv\"");
    CHECK(csv.body.starts_with("\xEF\xBB\xBF"));
    const auto lines = csv_lines(csv.body.substr(3));
    std::map<std::string, std::string> figures;
    std::size_t i = 1;
    for (; i < lines.size() && lines[i].size() == 2 && !lines[i][0].empty(); ++i) figures[lines[i][0]] = lines[i][1];
    CHECK(lines[0] == std::vector<std::string>{"figure", "value"});
    CHECK(figures["film"] == "La frontera");
    CHECK(figures["views"] == "4");
    CHECK(figures["unique_viewers"] == "5");
    CHECK(figures["peak_live"] == "3");
    CHECK(figures["completion"] == "0.5");
    CHECK(figures["whole_run_unique_viewers"] == "2");
    CHECK(figures["ratings_5_stars"] == "2");
    CHECK(figures["approved_comments"] == "1");
    CHECK(std::stod(figures["watch_hours"]) == doctest::Approx(report["totals"]["watch_hours"].get<double>()).epsilon(1e-5));
    REQUIRE(i + 3 < lines.size());
    CHECK(lines[i + 1] == std::vector<std::string>{"day", "plays", "views", "unique_viewers", "watch_hours", "peak_live",
                                                   "completion"});
    CHECK(lines[i + 2][0] == catalog::day_text(day_one));
    CHECK(lines[i + 2][2] == "3");
    CHECK(lines[i + 3][0] == catalog::day_text(day_two));
}

TEST_CASE("a report's CSV never hands a spreadsheet a formula, and its title follows the language fallback") {
    report_fixture f;
    // No Spanish or English title: the French one, then the original title when there is none.
    auto body = film_body("hostile");
    body["texts"] = {{"fr", {{"title", "=HYPERLINK(\"http://evil.test\",\"clic\")"}, {"synopsis", ""}}}};
    f.organizer.call("POST", "/api/films", body.dump());
    const auto made = f.organizer.call("POST", "/api/films/hostile/report-links", json{{"language", "es"}}.dump()).json();
    const auto report = f.anonymous("/api/reports/" + made["token"].get<std::string>()).json();
    CHECK(report["film"]["title"] == "=HYPERLINK(\"http://evil.test\",\"clic\")");
    CHECK(report["film"]["title_language"] == "fr");
    CHECK(report["days"].empty());
    CHECK(report["range"]["from"].is_null());
    CHECK(report["totals"]["views"] == 0);
    const auto csv = f.anonymous("/api/reports/" + made["token"].get<std::string>() + "/report.csv");
    REQUIRE(csv.status == 200);
    CHECK(csv.body.find("\r\nfilm,\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"clic\"\")\"\r\n") != std::string::npos);
    CHECK(csv.body.find(",=") == std::string::npos);

    auto plain = film_body("sin-titulo");
    plain["texts"] = json::object();
    f.organizer.call("POST", "/api/films", plain.dump());
    const auto other = f.organizer.call("POST", "/api/films/sin-titulo/report-links", json{{"language", "en"}}.dump()).json();
    const auto untitled = f.anonymous("/api/reports/" + other["token"].get<std::string>()).json();
    CHECK(untitled["film"]["title"] == "Film sin-titulo");
    CHECK(untitled["film"]["title_language"].is_null());
}

TEST_CASE("the report page: in the link's language for an active token, 404 for any other") {
    report_fixture f;
    const auto link = f.make_link("es");
    const std::string token = link["token"];
    const auto page = f.anonymous("/es/report/" + token);
    REQUIRE(page.status == 200);
    check_report_headers(page);
    CHECK(page.headers.at("content-type").starts_with("text/html"));
    CHECK(page.headers.at("x-frame-options") == "DENY");
    CHECK(page.headers.at("content-security-policy").find("frame-ancestors 'none'") != std::string::npos);
    CHECK(page.body.find("/js/pages/report.js") != std::string::npos);
    // Asked again with the validator it was given: the whole page again, never a 304.
    if (page.headers.count("etag"))
        CHECK(f.anonymous("/es/report/" + token, {{"If-None-Match", page.headers.at("etag")}}).status == 200);

    // Another language's address leads to the link's own.
    const auto moved = f.anonymous("/fr/report/" + token);
    CHECK(moved.status == 302);
    CHECK(moved.headers.at("location") == "/es/report/" + token);
    check_report_headers(moved);

    // Unknown tokens: the page with status 404, the API 404 not_found.
    for (const auto& unknown : {std::string(64, 'a'), std::string("x")}) {
        const auto missing = f.anonymous("/es/report/" + unknown);
        CHECK(missing.status == 404);
        check_report_headers(missing);
        CHECK(missing.headers.at("content-type").starts_with("text/html"));
        const auto api = f.anonymous("/api/reports/" + unknown);
        CHECK(api.status == 404);
        CHECK(api.json()["error"]["code"] == "not_found");
        check_report_headers(api);
        CHECK(f.anonymous("/api/reports/" + unknown + "/report.csv").status == 404);
    }

    // Revoked: 404 for the page (in any language), the JSON and the CSV.
    CHECK(f.organizer.call("DELETE", "/api/report-links/" + std::to_string(link["id"].get<std::int64_t>())).status == 204);
    CHECK(f.anonymous("/es/report/" + token).status == 404);
    CHECK(f.anonymous("/fr/report/" + token).status == 404);
    CHECK(f.anonymous("/api/reports/" + token).status == 404);
    CHECK(f.anonymous("/api/reports/" + token + "/report.csv").status == 404);

    // Paths of that shape outside the page languages are what they always were.
    CHECK(f.anonymous("/de/report/" + token).status == 404);
    CHECK(f.anonymous("/es/report/").status != 200);
}
