// A film's player on other sites: its embed settings (the film's curators and organizers only, sites
// checked), and the embed page, framed only by those sites while every other page refuses frames.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "server/api/page_security.hpp"
#include "tests/support/in_process_checks.hpp"

using namespace festival::testing;
using nlohmann::json;

namespace {

// Curators Ana (the film's) and Ben (not), an organizer, and Ana's published film "voyage".
struct embed_fixture : in_process_festival {
    in_process_client ana{this, add_staff("ana@festival.test", festival::catalog::role::curator)};
    in_process_client ben{this, add_staff("ben@festival.test", festival::catalog::role::curator)};
    in_process_client organizer{this, add_staff("organizer@festival.test", festival::catalog::role::organizer)};
    std::int64_t film_id = 0;

    embed_fixture() {
        const auto created = ana.call("POST", "/api/films",
                                      json{{"slug", "voyage"}, {"original_title", "Le <voyage> & \"nous\""},
                                           {"category", "short"}, {"published", true},
                                           {"texts", {{"es", {{"title", "El viaje"}}}}}}.dump());
        REQUIRE(created.status == 201);
        film_id = created.json()["id"];
    }
    http_result put_embed(const in_process_client& who, const json& body) const {
        return who.call("PUT", "/api/films/voyage/embed", body.dump());
    }
    http_result page(const std::string& target, const request_headers& headers = {}) {
        return as_http_result(call("GET", target, "", headers));
    }
};

// The sources of one CSP directive, in order.
std::vector<std::string> directive_sources(const std::string& policy, const std::string& name) {
    std::istringstream directives(policy);
    std::string directive;
    while (std::getline(directives, directive, ';')) {
        std::istringstream words(directive);
        std::string word;
        if (!(words >> word) || word != name) continue;
        std::vector<std::string> sources;
        while (words >> word) sources.push_back(word);
        return sources;
    }
    return {};
}

// The policy without its frame-ancestors directive: what the embed page shares with every page.
std::string without_frame_ancestors(const std::string& policy) {
    const auto at = policy.find("frame-ancestors");
    REQUIRE(at != std::string::npos);
    const auto end = policy.find(';', at);
    return policy.substr(0, at) + (end == std::string::npos ? "" : policy.substr(end));
}

}  // namespace

TEST_CASE("the film's curator turns embedding on for some sites, and reads back what was saved") {
    embed_fixture f;
    const auto before = f.ana.call("GET", "/api/films/voyage/embed");
    REQUIRE(before.status == 200);
    CHECK(before.json()["enabled"] == false);
    CHECK(before.json()["sites"] == json::array());
    CHECK(before.json()["updated_at"].is_null());
    CHECK(before.json()["embed_url"] == "/embed/voyage");

    const auto saved = f.put_embed(f.ana, {{"enabled", true},
                                           {"sites", {"HTTPS://Partner.Example:443/", "http://127.0.0.2:41234",
                                                      "https://partner.example"}}});
    REQUIRE(saved.status == 200);
    CHECK(saved.json()["enabled"] == true);
    CHECK(saved.json()["sites"] == json({"https://partner.example", "http://127.0.0.2:41234"}));
    CHECK(saved.json()["updated_at"].is_string());
    // The snippet is absolute (it is pasted on another site), titled, with its characters escaped.
    const std::string snippet = saved.json()["snippet"];
    CHECK(snippet.starts_with("<iframe src=\"http://"));
    CHECK(snippet.find("/embed/voyage\"") != std::string::npos);
    CHECK(snippet.find("title=\"Le &lt;voyage&gt; &amp; &quot;nous&quot;\"") != std::string::npos);
    CHECK(snippet.find("allowfullscreen") != std::string::npos);
    CHECK(snippet.ends_with("></iframe>"));

    const auto after = f.organizer.call("GET", "/api/films/" + std::to_string(f.film_id) + "/embed");
    REQUIRE(after.status == 200);
    CHECK(after.json()["sites"] == saved.json()["sites"]);
    CHECK(after.json()["updated_at"] == saved.json()["updated_at"]);

    // An organizer may change any film's settings; an empty list is allowed (the festival's own pages).
    const auto off = f.put_embed(f.organizer, {{"enabled", false}, {"sites", json::array()}});
    REQUIRE(off.status == 200);
    CHECK(off.json()["enabled"] == false);
    CHECK(off.json()["sites"] == json::array());
}

TEST_CASE("only the film's curators and organizers see or change its embed settings") {
    embed_fixture f;
    for (const char* method : {"GET", "PUT"}) {
        CAPTURE(method);
        const auto other = f.ben.call(method, "/api/films/voyage/embed", json{{"enabled", true}, {"sites", json::array()}}.dump());
        CHECK(other.status == 403);
        CHECK(other.json()["error"]["code"] == "not_your_film");
        const auto anonymous = f.call(method, "/api/films/voyage/embed", json{{"enabled", true}}.dump());
        check_error_shape(anonymous, 401);
    }
    // A write without the session's CSRF token is refused.
    const auto forged = f.ana.call("PUT", "/api/films/voyage/embed", json{{"enabled", true}}.dump(), false);
    CHECK(forged.status == 403);
    CHECK(forged.json()["error"]["code"] == "csrf_token_invalid");
    CHECK(f.ana.call("GET", "/api/films/no-such-film/embed").status == 404);
    // Nothing changed.
    CHECK(f.ana.call("GET", "/api/films/voyage/embed").json()["enabled"] == false);
}

TEST_CASE("bad embed settings are refused with 400 naming what is wrong, and change nothing") {
    embed_fixture f;
    REQUIRE(f.put_embed(f.ana, {{"enabled", true}, {"sites", {"https://partner.example"}}}).status == 200);

    const auto path = f.put_embed(f.ana, {{"enabled", true}, {"sites", {"https://ok.example", "https://bad.example/page"}}});
    CHECK(path.status == 400);
    CHECK(path.json()["error"]["code"] == "invalid_site");
    CHECK(path.json()["error"]["message"].get<std::string>().find("https://bad.example/page") != std::string::npos);
    for (const char* bad : {"partner.example", "https://*.partner.example", "https://a.example; script-src *",
                            "javascript://x", "https://user@partner.example"}) {
        CAPTURE(bad);
        const auto refused = f.put_embed(f.ana, {{"enabled", true}, {"sites", {bad}}});
        CHECK(refused.status == 400);
        CHECK(refused.json()["error"]["code"] == "invalid_site");
    }
    json many = json::array();
    for (int i = 0; i < 21; ++i) many.push_back("https://site" + std::to_string(i) + ".example");
    const auto too_many = f.put_embed(f.ana, {{"enabled", true}, {"sites", many}});
    CHECK(too_many.status == 400);
    CHECK(too_many.json()["error"]["code"] == "too_many_sites");
    for (const auto& body : {json{{"sites", json::array()}}, json{{"enabled", "yes"}}, json::array(),
                             json{{"enabled", true}, {"sites", "https://partner.example"}},
                             json{{"enabled", true}, {"sites", {42}}}}) {
        CAPTURE(body.dump());
        const auto refused = f.put_embed(f.ana, body);
        CHECK(refused.status == 400);
        CHECK(refused.json()["error"]["code"].is_string());
    }
    const auto kept = f.ana.call("GET", "/api/films/voyage/embed").json();
    CHECK(kept["enabled"] == true);
    CHECK(kept["sites"] == json({"https://partner.example"}));
}

TEST_CASE("the embed page may be framed by exactly the film's sites, and by no other page") {
    embed_fixture f;
    REQUIRE(f.put_embed(f.ana, {{"enabled", true}, {"sites", {"https://partner.example", "http://127.0.0.2:41234"}}}).status == 200);

    const auto embed = f.page("/embed/voyage");
    REQUIRE(embed.status == 200);
    CHECK(embed.header("content-type").starts_with("text/html"));
    const auto policy = embed.header("content-security-policy");
    CHECK(directive_sources(policy, "frame-ancestors") ==
          std::vector<std::string>{"'self'", "https://partner.example", "http://127.0.0.2:41234"});
    CHECK(embed.headers.count("x-frame-options") == 0);
    CHECK(embed.header("cache-control") == "no-cache");
    CHECK(embed.header("vary").find("Accept-Language") != std::string::npos);
    CHECK(embed.header("x-content-type-options") == "nosniff");
    CHECK(embed.body.find("/js/pages/embed.js") != std::string::npos);

    // Everything else in the policy is the pages' own, and the pages still refuse every frame.
    for (const char* target : {"/en/", "/en/films/voyage", "/en/catalog", "/fr/about"}) {
        CAPTURE(target);
        const auto other = f.page(target);
        REQUIRE(other.status == 200);
        const auto page_policy = other.header("content-security-policy");
        CHECK(directive_sources(page_policy, "frame-ancestors") == std::vector<std::string>{"'none'"});
        CHECK(other.header("x-frame-options") == "DENY");
        CHECK(without_frame_ancestors(page_policy) == without_frame_ancestors(policy));
    }
    CHECK(policy == festival::server::content_security_policy("'self' https://partner.example http://127.0.0.2:41234"));

    // A change of sites changes the next answer.
    REQUIRE(f.put_embed(f.ana, {{"enabled", true}, {"sites", {"https://other.example"}}}).status == 200);
    CHECK(directive_sources(f.page("/embed/voyage").header("content-security-policy"), "frame-ancestors") ==
          std::vector<std::string>{"'self'", "https://other.example"});
}

TEST_CASE("the embed page speaks ?lang=, else Accept-Language, else English, and names the film") {
    embed_fixture f;
    REQUIRE(f.put_embed(f.ana, {{"enabled", true}, {"sites", {"https://partner.example"}}}).status == 200);
    const auto english = f.page("/embed/voyage");
    CHECK(english.body.find("<html lang=\"en\"") != std::string::npos);
    // No English or French title: the pages' fallback takes the Spanish one before the original title.
    CHECK(english.body.find("<title>El viaje</title>") != std::string::npos);
    const auto spanish = f.page("/embed/voyage", {{"Accept-Language", "es-AR,es;q=0.9,fr;q=0.5"}});
    CHECK(spanish.body.find("<html lang=\"es\"") != std::string::npos);
    CHECK(spanish.body.find("<title>El viaje</title>") != std::string::npos);
    const auto french = f.page("/embed/voyage?lang=fr", {{"Accept-Language", "es"}});
    CHECK(french.body.find("<html lang=\"fr\"") != std::string::npos);
    CHECK(f.page("/embed/voyage?lang=de", {{"Accept-Language", "es"}}).body.find("<html lang=\"es\"") != std::string::npos);
    // By id as well as by slug, like every film route.
    CHECK(f.page("/embed/" + std::to_string(f.film_id)).status == 200);
}

TEST_CASE("a film not embeddable, unpublished or unknown answers a 404 page that refuses frames") {
    embed_fixture f;
    const auto check_refused = [](const http_result& answer) {
        CHECK(answer.status == 404);
        CHECK(answer.header("content-type").starts_with("text/html"));
        CHECK(answer.body.find("data-error=\"not_embeddable\"") != std::string::npos);
        CHECK(directive_sources(answer.header("content-security-policy"), "frame-ancestors") == std::vector<std::string>{"'none'"});
        CHECK(answer.header("x-frame-options") == "DENY");
    };
    check_refused(f.page("/embed/voyage"));  // never opted in
    REQUIRE(f.put_embed(f.ana, {{"enabled", false}, {"sites", {"https://partner.example"}}}).status == 200);
    check_refused(f.page("/embed/voyage"));  // sites listed but embedding off
    check_refused(f.page("/embed/no-such-film"));
    const auto french = f.page("/embed/no-such-film?lang=fr");
    CHECK(french.body.find("<html lang=\"fr\"") != std::string::npos);

    REQUIRE(f.put_embed(f.ana, {{"enabled", true}, {"sites", {"https://partner.example"}}}).status == 200);
    REQUIRE(f.page("/embed/voyage").status == 200);
    REQUIRE(f.ana.call("PATCH", "/api/films/voyage", json{{"published", false}}.dump()).status == 200);
    check_refused(f.page("/embed/voyage"));  // unpublished: no page, whatever the settings
}
