// The rooms' routes through the real route table and dispatcher, in process: the socket route's
// session, the event-stream fallback and its POSTs, guest moderator links, the export.
#include <doctest/doctest.h>

#include "catalog/clock.hpp"
#include "catalog/film_curators.hpp"
#include "catalog/room_log.hpp"
#include "tests/room/room_peers.hpp"
#include "tests/support/in_process_festival.hpp"

using festival::testing::in_process_festival;
using festival::testing::json_of;
using festival::testing::participant_token;
using nlohmann::json;
namespace catalog = festival::catalog;
namespace server = festival::server;

namespace {

struct room_api_fixture {
    in_process_festival festival;
    std::int64_t premiere_id = festival::testing::add_premiere(festival.db(), catalog::unix_now(), 3600);
    std::string base = "/api/rooms/" + std::to_string(premiere_id);
    std::string premiere_base = "/api/premieres/" + std::to_string(premiere_id);

    // The session the socket route hands the HTTP core, opened on a recording peer.
    struct socket_client {
        std::shared_ptr<festival::testing::recording_peer> peer = std::make_shared<festival::testing::recording_peer>();
        std::shared_ptr<server::websocket_session> session;
    };
    socket_client open_socket(const server::http_response& response) {
        REQUIRE(response.status == 200);
        REQUIRE(response.websocket);
        socket_client client{std::make_shared<festival::testing::recording_peer>(), response.websocket};
        client.session->on_open(client.peer);
        return client;
    }
};

std::string poll(const server::http_response& stream) {
    REQUIRE(stream.events);
    const auto events = stream.events->poll();
    REQUIRE(events.has_value());
    return *events;
}

json only_event(const std::string& events) {
    REQUIRE(events.rfind("data: ", 0) == 0);
    REQUIRE(events.size() > 8);
    REQUIRE(events.substr(events.size() - 2) == "\n\n");
    const auto body = events.substr(6, events.size() - 8);
    REQUIRE(body.find("\n\n") == std::string::npos);
    return json::parse(body);
}

}  // namespace

TEST_CASE("the socket route hands the core a room session, and an unknown premiere is 404") {
    room_api_fixture f;
    auto client = f.open_socket(f.festival.call("GET", f.base + "/socket"));
    client.session->on_message(json({{"type", "hello"}, {"participant", participant_token(1)}, {"name", "Ana"}}).dump());
    const auto welcome = client.peer->received("welcome").at(0);
    CHECK(welcome["you"]["moderator"] == false);
    CHECK(welcome["premiere"]["id"] == f.premiere_id);
    CHECK(f.festival.app().rooms.find(f.premiere_id)->count() == 1);
    client.session->on_close();
    CHECK(f.festival.app().rooms.find(f.premiere_id)->count() == 0);
    CHECK(f.festival.call("GET", "/api/rooms/999999/socket").status == 404);
    CHECK(f.festival.call("GET", "/api/rooms/abc/socket").status == 404);
}

TEST_CASE("a staff session moderates its films' rooms from the festival's own pages only") {
    room_api_fixture f;
    const auto organizer = f.festival.add_staff("org@festival.test", catalog::role::organizer);
    const auto curator = f.festival.add_staff("cur@festival.test", catalog::role::curator);
    auto moderator_of = [&](const festival::testing::in_process_session& who, festival::testing::request_headers headers) {
        headers.emplace_back("cookie", who.cookie);
        auto client = f.open_socket(f.festival.call("GET", f.base + "/socket", "", headers));
        client.session->on_message(json({{"type", "hello"}, {"participant", participant_token(2)}}).dump());
        const bool moderator = client.peer->received("welcome").at(0)["you"]["moderator"].get<bool>();
        client.session->on_close();
        return moderator;
    };
    CHECK(moderator_of(organizer, {}));
    CHECK(moderator_of(organizer, {{"host", "festival.test"}, {"origin", "http://festival.test"}}));
    CHECK_FALSE(moderator_of(organizer, {{"host", "festival.test"}, {"origin", "https://evil.test"}}));
    CHECK_FALSE(moderator_of(organizer, {{"host", "festival.test"}, {"sec-fetch-site", "cross-site"}}));
    CHECK_FALSE(moderator_of(curator, {}));  // not this film's curator
    const auto film_id = catalog::find_premiere(f.festival.db(), f.premiere_id)->film_id;
    catalog::assign_film_curator(f.festival.db(), film_id, curator.who.user.id);
    CHECK(moderator_of(curator, {}));
}

TEST_CASE("without WebSocket: an event stream carries the room, POSTs carry what the participant says") {
    room_api_fixture f;
    const auto token = participant_token(3);
    CHECK(f.festival.call("GET", f.base + "/events?participant=xyz").status == 400);
    CHECK(f.festival.call("POST", f.base + "/messages", json({{"type", "say"}, {"participant", token}, {"text", "hi"}}).dump())
              .status == 409);  // no stream yet
    const auto stream = f.festival.call("GET", f.base + "/events?participant=" + token);
    REQUIRE(stream.status == 200);
    CHECK(stream.header("content-type") == "text/event-stream");
    CHECK(poll(stream).empty());

    auto post = [&](json message) {
        message["participant"] = token;
        return f.festival.call("POST", f.base + "/messages", message.dump());
    };
    auto said = post({{"type", "say"}, {"text", "before hello"}});
    CHECK(said.status == 409);
    CHECK(json_of(said)["error"]["code"] == "hello_first");
    auto hello = post({{"type", "hello"}, {"name", "Ben"}});
    CHECK(hello.status == 202);
    CHECK(json_of(hello) == json::object());
    CHECK(only_event(poll(stream))["type"] == "welcome");

    // A WebSocket participant in the same room hears the stream's participant, and the other way round.
    auto socket = f.open_socket(f.festival.call("GET", f.base + "/socket"));
    socket.session->on_message(json({{"type", "hello"}, {"participant", participant_token(4)}, {"name", "Eve"}}).dump());
    CHECK(post({{"type", "say"}, {"text", "<b>from the stream</b>"}}).status == 202);
    CHECK(socket.peer->received("message").at(0)["text"] == "<b>from the stream</b>");
    CHECK(only_event(poll(stream))["text"] == "<b>from the stream</b>");
    socket.session->on_message(json({{"type", "say"}, {"text", "from the socket"}}).dump());
    CHECK(only_event(poll(stream))["from"]["name"] == "Eve");

    for (int i = 0; i < 4; ++i) CHECK(post({{"type", "say"}, {"text", "more " + std::to_string(i)}}).status == 202);
    const auto limited = post({{"type", "say"}, {"text", "one too many"}});
    CHECK(limited.status == 429);
    CHECK(json_of(limited)["error"]["code"] == "rate_limited");
    CHECK(limited.header("retry-after").has_value());
    CHECK(post({{"type", "slow"}, {"seconds", 10}}).status == 403);
    CHECK(post({{"type", "say"}, {"text", std::string(501, 'x')}}).status == 400);
    // Cross-site pages cannot post for a participant.
    CHECK(f.festival.call("POST", f.base + "/messages", json({{"type", "name"}, {"participant", token}, {"name", "X"}}).dump(),
                          {{"host", "festival.test"}, {"origin", "https://evil.test"}})
              .status == 403);
    CHECK(f.festival.app().rooms.find(f.premiere_id)->count() == 2);
}

TEST_CASE("guest moderator links: created by the film's staff, shown once, listed, revoked") {
    room_api_fixture f;
    const auto organizer = f.festival.add_staff("org@festival.test", catalog::role::organizer);
    const auto stranger = f.festival.add_staff("cur@festival.test", catalog::role::curator);
    const auto links = f.premiere_base + "/moderator-links";
    CHECK(f.festival.call("POST", links, R"({"label":"director"})").status == 401);
    CHECK(f.festival.call_as(stranger, "POST", links, R"({"label":"director"})").status == 403);
    CHECK(f.festival.call_as(organizer, "POST", links, R"({"label":""})").status == 400);
    const auto made = f.festival.call_as(organizer, "POST", links, R"({"label":"the director"})");
    REQUIRE(made.status == 201);
    const auto link = json_of(made);
    const auto token = link["token"].get<std::string>();
    CHECK(token.size() == 64);
    CHECK(link["url"] == "/en/premieres/" + std::to_string(f.premiere_id) + "#moderator=" + token);
    const auto listed = json_of(f.festival.call_as(organizer, "GET", links));
    REQUIRE(listed["links"].size() == 1);
    CHECK(listed["links"][0]["label"] == "the director");
    CHECK_FALSE(listed["links"][0].contains("token"));

    auto guest = f.open_socket(f.festival.call("GET", f.base + "/socket"));
    guest.session->on_message(json({{"type", "hello"}, {"participant", participant_token(5)}, {"moderator", token}}).dump());
    CHECK(guest.peer->received("welcome").at(0)["you"]["moderator"] == true);
    guest.session->on_close();

    const auto link_path = links + "/" + std::to_string(link["id"].get<std::int64_t>());
    CHECK(f.festival.call_as(organizer, "DELETE", link_path).status == 204);
    CHECK(f.festival.call_as(organizer, "DELETE", links + "/999").status == 404);
    auto revoked = f.open_socket(f.festival.call("GET", f.base + "/socket"));
    revoked.session->on_message(json({{"type", "hello"}, {"participant", participant_token(5)}, {"moderator", token}}).dump());
    CHECK(revoked.peer->received("welcome").at(0)["you"]["moderator"] == false);
    CHECK(revoked.peer->received("error").at(0)["code"] == "not_moderator");
    CHECK(json_of(f.festival.call_as(organizer, "GET", links))["links"][0]["active"] == false);
}

TEST_CASE("organizers export a room as JSON and CSV") {
    room_api_fixture f;
    const auto organizer = f.festival.add_staff("org@festival.test", catalog::role::organizer);
    const auto curator = f.festival.add_staff("cur@festival.test", catalog::role::curator);
    auto socket = f.open_socket(f.festival.call("GET", f.base + "/socket"));
    socket.session->on_message(json({{"type", "hello"}, {"participant", participant_token(6)}, {"name", "Ana"}}).dump());
    socket.session->on_message(json({{"type", "say"}, {"text", "+1 what a film"}}).dump());
    REQUIRE(f.festival.app().rooms.flush(f.festival.db()) == 0);
    CHECK(f.festival.call_as(curator, "GET", f.premiere_base + "/room.json").status == 403);
    const auto exported = f.festival.call_as(organizer, "GET", f.premiere_base + "/room.json");
    REQUIRE(exported.status == 200);
    const auto body = json_of(exported);
    CHECK(body["premiere"]["id"] == f.premiere_id);
    REQUIRE(body["messages"].size() == 1);
    CHECK(body["messages"][0]["name"] == "Ana");
    const auto csv = f.festival.call_as(organizer, "GET", f.premiere_base + "/room.csv");
    REQUIRE(csv.status == 200);
    CHECK(csv.header("content-type") == "text/csv; charset=utf-8");
    CHECK(csv.body.find("'+1 what a film") != std::string::npos);
    CHECK(f.festival.call_as(organizer, "GET", "/api/premieres/424242/room.csv").status == 404);
}
