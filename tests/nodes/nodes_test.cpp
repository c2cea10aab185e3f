// Two `festival serve` nodes on one data folder and one catalog, called directly as a balancer would
// route them (docs/nodes.md): plays fail over exactly, unique viewers and live figures span the nodes,
// a screening change reaches the other node, an upload resumes through the other node.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "catalog/clock.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/festival_nodes.hpp"
#include "tests/uploads/tus_client.hpp"

using namespace festival::testing;
using nlohmann::json;

namespace {

const std::int64_t t0 = *festival::catalog::parse_utc("2026-06-01T10:00:00Z") * 1000;

struct viewer {
    std::string address;
    std::string agent;
};

std::string add_film(festival_nodes& n, int node, const std::string& slug) {
    const json body = {{"slug", slug}, {"original_title", "Film " + slug}, {"category", "short"},
                       {"published", true}, {"runtime_minutes", 10}};
    const auto created = n.sign_in_as(node, fixture_curator).call("POST", "/api/films", body.dump());
    REQUIRE(created.status == 201);
    return std::to_string(created.json()["id"].get<std::int64_t>());
}

http_result try_start(festival_nodes& n, int node, const std::string& film, const viewer& v) {
    return http_call_from(v.address, n.port(node), "POST", "/api/films/" + film + "/plays", "", {{"User-Agent", v.agent}});
}

std::string start(festival_nodes& n, int node, const std::string& film, const viewer& v) {
    const auto r = try_start(n, node, film, v);
    REQUIRE(r.status == 201);
    return r.json()["play_id"].get<std::string>();
}

http_result beat(festival_nodes& n, int node, const std::string& play, const viewer& v, double position, double played,
                 const std::string& kind = "heartbeat") {
    const json body = {{"position", position}, {"played", played}};
    return http_call_from(v.address, n.port(node), "POST", "/api/plays/" + play + "/" + kind, body.dump(),
                          {{"User-Agent", v.agent}});
}

json stats(festival_nodes& n, int node) {
    const auto r = n.sign_in_as(node, fixture_organizer).call("GET", "/api/stats");
    REQUIRE(r.status == 200);
    return r.json();
}

}  // namespace

TEST_CASE("a play started on one node goes on through the other after the first is killed, counted exactly once") {
    festival_nodes n(2, t0);
    const auto film = add_film(n, 0, "failover");
    const viewer one{"127.0.0.11", "viewer-1"}, two{"127.0.0.12", "viewer-2"};
    const auto play = start(n, 0, film, one);
    const auto reloaded = start(n, 0, film, two);
    for (int step = 1; step <= 3; ++step) {
        n.set_clock(t0 + step * 10'000);
        REQUIRE(beat(n, 0, play, one, step * 10, 10).status == 200);
        REQUIRE(beat(n, 0, reloaded, two, step * 10, 10).status == 200);
    }
    // Node 0's last second reaches the catalog (its flush, every second), then it dies without a word.
    REQUIRE(eventually([&] { return stats(n, 1)["totals"]["watch_seconds"].get<double>() == 60.0; },
                       std::chrono::seconds(20)));
    n.node(0).kill_hard();

    // The balancer moves the play to node 1, which adopts it from its row: the view is not counted
    // again, the watch time goes on from where node 0 left it.
    for (int step = 4; step <= 6; ++step) {
        n.set_clock(t0 + step * 10'000);
        REQUIRE(beat(n, 1, play, one, step * 10, 10).status == 200);
    }
    CHECK(beat(n, 1, play, one, 60, 0, "end").status == 204);
    // The same viewers again, now on node 1, the same day: the same viewer hashes (the day key is
    // shared), and a view within the hour of their last one is no view.
    const auto again = start(n, 1, film, one);
    const auto reload = start(n, 1, film, two);
    for (int step = 7; step <= 9; ++step) {
        n.set_clock(t0 + step * 10'000);
        REQUIRE(beat(n, 1, again, one, (step - 6) * 10, 10).status == 200);
        REQUIRE(beat(n, 1, reload, two, (step - 6) * 10, 10).status == 200);
    }
    const auto totals = stats(n, 1)["totals"];
    CHECK(totals["plays"] == 4);
    CHECK(totals["views"] == 2);
    CHECK(totals["unique_viewers"] == 2);
    CHECK(totals["watch_seconds"].get<double>() == 150.0);  // 60 + 30 for one, 30 + 30 for two
    // A play the catalog does not know is still unknown on every node.
    CHECK(beat(n, 1, std::string(32, 'a'), one, 10, 10).status == 404);
}

TEST_CASE("live figures are the sum over the nodes and leave out a dead node") {
    festival_nodes n(2, t0);
    const auto film = add_film(n, 0, "live");
    start(n, 0, film, {"127.0.0.21", "viewer-a"});
    start(n, 1, film, {"127.0.0.22", "viewer-b"});
    start(n, 1, film, {"127.0.0.23", "viewer-c"});
    for (int node : {0, 1}) {
        CAPTURE(node);
        CHECK(eventually([&] { return stats(n, node)["live"]["total"] == 3; }, std::chrono::seconds(20)));
        CHECK(stats(n, node)["live"]["films"][film] == 3);
    }
    n.node(0).kill_hard();
    // Node 0's counts stop being renewed: ten seconds later (the nodes' freshness) they no longer count,
    // while node 1's own plays are still live (a play is live for 30 s after its last report).
    n.set_clock(t0 + 11'000);
    CHECK(eventually([&] { return stats(n, 1)["live"]["total"] == 2; }, std::chrono::seconds(20)));
}

TEST_CASE("a screening window closed through one node is refused by the other within seconds") {
    festival_nodes n(2, t0);
    const auto film = add_film(n, 0, "closing");
    CHECK(try_start(n, 1, film, {"127.0.0.30", "viewer"}).status == 201);
    REQUIRE(n.sign_in_as(0, fixture_curator).call("PATCH", "/api/films/closing", R"({"available_until": "2020-01-01"})")
                .status == 200);
    int attempt = 0;  // each attempt from an address of its own, so no start limit answers instead
    CHECK(eventually(
        [&] {
            const auto r = try_start(n, 1, film, {"127.0.1." + std::to_string(++attempt % 250), "viewer"});
            return r.status == 403 && r.json()["error"]["code"] == "not_screening";
        },
        std::chrono::seconds(20)));
}

TEST_CASE("a tus upload started through one node is locked against the other and resumes through it") {
    festival_nodes n(2, t0);
    const auto film = add_film(n, 0, "uploaded");
    const tus_client a{n.sign_in_as(0, fixture_curator)}, b{n.sign_in_as(1, fixture_curator)};
    const std::int64_t length = 2'000'000;
    const auto bytes = pattern_bytes(static_cast<std::size_t>(length), 17);
    const auto path = a.create(film, length);
    std::int64_t offset = 0;
    {
        // Node 0 receives a PATCH whose body stalls halfway: node 1 must not write the same upload
        // meanwhile (an offset it does not hold would be 409 if it could take the upload).
        partial_patch stalled(a, path, 0, bytes.substr(0, 600'000), static_cast<std::size_t>(length));
        CHECK(eventually([&] { return b.patch(path, 12345, "x").status == 423; }, std::chrono::seconds(20)));
    }
    // The stalled connection drops: node 0 keeps what arrived, durably.
    REQUIRE(eventually(
        [&] {
            const auto head = b.head(path);
            offset = head.status == 200 ? std::stoll(head.header("upload-offset")) : 0;
            return offset == 600'000 && b.patch(path, 12345, "x").status == 409;
        },
        std::chrono::seconds(20)));
    n.node(0).kill_hard();
    const auto rest = b.patch(path, offset, bytes.substr(static_cast<std::size_t>(offset)));
    CHECK(rest.status == 204);
    CHECK(rest.header("upload-offset") == std::to_string(length));
}
