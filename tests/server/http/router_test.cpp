#include <doctest/doctest.h>

#include <set>

#include "server/http/router.hpp"
#include "server/api/routes.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::server;

namespace {

http_response ok(http_request&) { return http_response::json(200, {{"ok", true}}); }

}  // namespace

TEST_CASE("the router matches parameters, a trailing rest segment, and tells 404 from 405") {
    router r({{"GET", "/api/films/{key}", access::anyone, runs_on::worker_pool, 0, ok},
              {"POST", "/api/films", access::curator, runs_on::worker_pool, 1024, ok},
              {"GET", "/media/{film}/{rest...}", access::anyone, runs_on::io_thread, 0, ok}});
    auto m = r.match("GET", "/api/films/la-traversee");
    REQUIRE(m.found);
    CHECK(m.params.at("key") == "la-traversee");
    m = r.match("GET", "/media/3/v7/720p/segment_001.m4s");
    REQUIRE(m.found);
    CHECK(m.params.at("film") == "3");
    CHECK(m.params.at("rest") == "v7/720p/segment_001.m4s");
    CHECK(r.match("HEAD", "/api/films/x").found);  // HEAD is served by the GET route
    m = r.match("DELETE", "/api/films");
    CHECK_FALSE(m.found);
    CHECK(m.path_known);
    m = r.match("GET", "/api/nothing");
    CHECK_FALSE(m.found);
    CHECK_FALSE(m.path_known);
    CHECK_FALSE(r.match("GET", "/api/films/").found);
}

TEST_CASE("every state-changing route checks its role and CSRF, or is knowingly public") {
    festival::testing::temp_dir dir;
    config c;
    c.data_dir = dir.path().string();
    festival_app app(std::make_shared<const config>(c));
    // Writes anyone may make on purpose: signing in and out. Each later public write (viewer
    // heartbeats, ratings) must be added here by name, so none is public by accident.
    const std::set<std::string> public_writes = {"POST /api/session", "DELETE /api/session",
                                                 "POST /api/films/{key}/ratings", "POST /api/films/{key}/comments",
                                                 "POST /api/feedback", "POST /api/films/{key}/plays",
                                                 "POST /api/films/{key}/access",
                                                 "POST /api/plays/{id}/heartbeat", "POST /api/plays/{id}/end",
                                                 "POST /api/rooms/{id}/messages",
                                                 "POST /api/invitations/{token}/accept"};
    std::set<std::string> seen;
    for (const auto& r : festival_routes(app)) {
        const std::string name = r.method + " " + r.pattern;
        CAPTURE(name);
        CHECK(seen.insert(name).second);  // no route is listed twice
        // Worker tokens open the worker routes and only those, and those take nothing else.
        CHECK((r.needs == access::worker) == r.pattern.starts_with("/api/worker/"));
        if (r.method == "GET" || r.method == "HEAD" || r.method == "OPTIONS") {
            CHECK(r.body_limit == 0);
            continue;
        }
        if (public_writes.count(name)) {
            CHECK(r.needs == access::anyone);
            continue;
        }
        CHECK(r.needs != access::anyone);
        // A worker's bearer token is never sent by a browser on its own: nothing for CSRF to guard.
        CHECK(needs_csrf(r) == (r.needs != access::worker));
        CHECK(r.where != runs_on::io_thread);  // the session lookup needs SQLite (password changes hash too)
    }
}
