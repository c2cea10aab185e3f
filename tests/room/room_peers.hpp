#pragma once
// Stand-ins for the HTTP core in room tests: a peer that records what it was sent, and a client that
// drives a room through the same WebSocket session the socket route hands the core.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/database.hpp"
#include "catalog/inserted_id.hpp"
#include "server/room/room_socket.hpp"

namespace festival::testing {

class recording_peer final : public server::websocket_peer {
public:
    void send(std::shared_ptr<const std::string> text) override {
        std::lock_guard lock(mutex_);
        sent_.push_back(std::move(text));
    }
    void close(std::uint16_t code, std::string_view) override {
        std::lock_guard lock(mutex_);
        close_code_ = code;
    }
    // Every message received, parsed, optionally only those of one type.
    std::vector<nlohmann::json> received(const std::string& type = "") const {
        std::lock_guard lock(mutex_);
        std::vector<nlohmann::json> out;
        for (const auto& text : sent_) {
            auto message = nlohmann::json::parse(*text);
            if (type.empty() || message["type"] == type) out.push_back(std::move(message));
        }
        return out;
    }
    std::vector<std::shared_ptr<const std::string>> raw() const {
        std::lock_guard lock(mutex_);
        return sent_;
    }
    void forget() {
        std::lock_guard lock(mutex_);
        sent_.clear();
    }
    // The code the room closed this connection with; 0 while open.
    std::uint16_t close_code() const {
        std::lock_guard lock(mutex_);
        return close_code_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<const std::string>> sent_;
    std::uint16_t close_code_ = 0;
};

// A participant's browser token: 32 hex digits.
inline std::string participant_token(int n) {
    char text[33];
    std::snprintf(text, sizeof text, "%032x", n + 0x1000);
    return text;
}

struct room_client {
    std::shared_ptr<recording_peer> peer = std::make_shared<recording_peer>();
    std::shared_ptr<server::room_socket> socket;
    std::string token;

    room_client(std::shared_ptr<server::room> in, int n, std::optional<std::string> session_moderator = std::nullopt)
        : socket(std::make_shared<server::room_socket>(std::move(in), std::move(session_moderator))),
          token(participant_token(n)) {
        socket->on_open(peer);
    }
    void send(const nlohmann::json& message) { socket->on_message(message.dump()); }
    void hello(const std::string& name = "", const std::string& moderator = "") {
        nlohmann::json message = {{"type", "hello"}, {"participant", token}};
        if (!name.empty()) message["name"] = name;
        if (!moderator.empty()) message["moderator"] = moderator;
        send(message);
    }
    void say(const std::string& text) { send({{"type", "say"}, {"text", text}}); }
    nlohmann::json welcome() const { return peer->received("welcome").at(0); }
    std::string id() const { return welcome()["you"]["id"].get<std::string>(); }
    std::vector<nlohmann::json> errors() const { return peer->received("error"); }
    std::string last_error() const {
        const auto all = errors();
        return all.empty() ? std::string() : all.back()["code"].get<std::string>();
    }
};

// A film and a premiere of it starting `starts_in` seconds from `now` (negative: already begun),
// written to the catalog directly.
inline std::int64_t add_premiere(catalog::database& db, std::int64_t now, std::int64_t starts_in,
                                 double duration_seconds = 3600, int qa_minutes = 60, const std::string& slug = "seance") {
    auto film = db.prepare(
        "INSERT INTO films (slug, original_title, category, published) VALUES (?1, 'La Séance', 'fiction', 1) "
        "ON CONFLICT (slug) DO UPDATE SET published = 1 RETURNING id");
    film.bind(1, slug);
    const auto film_id = catalog::inserted_id(film);
    char starts[32];
    const std::time_t at = static_cast<std::time_t>(now + starts_in);
    std::tm utc{};
    gmtime_r(&at, &utc);
    std::strftime(starts, sizeof starts, "%Y-%m-%dT%H:%M:%SZ", &utc);
    auto insert = db.prepare(
        "INSERT INTO premieres (film_id, starts_at, duration_seconds, qa_minutes, note, created_at) "
        "VALUES (?1, ?2, ?3, ?4, '', ?2) RETURNING id");
    insert.bind(1, film_id).bind(2, std::string(starts)).bind(3, duration_seconds).bind(4, qa_minutes);
    return catalog::inserted_id(insert);
}

}  // namespace festival::testing
