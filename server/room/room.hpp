#pragma once
// One premiere's room, held in memory by the node the balancer sends it to: who is connected, the
// last chat messages, every question and its votes, mutes, slow mode, the count. Clients speak the
// JSON protocol of docs/premieres.md. Everything happens under one mutex, and every message is built
// once and handed to each peer's queue under it, so every connection receives the room's messages in
// seq order. Changes wait in a batch the room writer takes every second (nothing here touches the
// catalog: clients' messages arrive on I/O threads).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/premieres.hpp"
#include "catalog/room_log.hpp"
#include "server/http/websocket.hpp"

namespace festival::server {

// Milliseconds since the epoch; tests pass their own clock.
using room_clock = std::function<std::int64_t()>;
std::int64_t system_room_clock();

struct room_limits {
    static constexpr std::size_t chat_history = 200;     // chat messages a newcomer receives
    static constexpr std::size_t chat_chars = 500;
    static constexpr std::size_t question_chars = 300;
    static constexpr std::size_t name_chars = 40;
    static constexpr std::size_t burst_messages = 5;     // per participant in burst_window_ms (moderators exempt)
    static constexpr std::int64_t burst_window_ms = 10'000;
    static constexpr int max_slow_seconds = 300;
    static constexpr std::int64_t clock_every_ms = 5'000;
};

// Why a client message was refused: sent back as {"type":"error",…} (or a 4xx on the POST fallback).
struct room_refusal {
    std::string code;
    std::string message;
    std::optional<int> retry_after;  // seconds, for rate_limited and slow_mode
};
std::shared_ptr<const std::string> room_error_text(const room_refusal& refusal);

// One participant as the room knows them (by their token's hash).
struct room_participant_state {
    std::string hash;
    std::string public_id;  // from.id: the hash's first 16 hex digits
    std::string name;
    std::string first_seen;
    bool muted = false;
    int connections = 0;    // open connections that said hello
    std::deque<std::int64_t> recent_ms;  // their messages within the burst window
    std::optional<std::int64_t> last_message_ms;
};

// One connection in a room: a WebSocket, or an event stream with its POSTs. Made by room::connect.
class room_connection {
public:
    bool joined() const { return who_ != nullptr; }
    bool moderator() const { return moderator_; }
    const std::shared_ptr<websocket_peer>& peer() const { return peer_; }

private:
    friend class room;
    std::shared_ptr<websocket_peer> peer_;
    std::optional<std::string> session_moderator_;  // "session:<user id>" when the handshake's session may moderate
    std::optional<std::string> stream_participant_; // an event stream's participant hash (its POSTs name it)
    room_participant_state* who_ = nullptr;
    bool moderator_ = false;
    std::string moderator_by_;
    bool gone_ = false;
};

class room {
public:
    room(catalog::premiere premiere, catalog::room_snapshot snapshot,
         std::vector<std::pair<std::string, std::int64_t>> moderator_links, room_clock clock);
    room(const room&) = delete;
    room& operator=(const room&) = delete;

    std::int64_t premiere_id() const { return premiere_id_; }

    // A new connection, outside the room until its hello. `session_moderator` names the staff session
    // that may moderate; `stream_participant` the hash an event stream was opened for.
    std::shared_ptr<room_connection> connect(std::shared_ptr<websocket_peer> peer,
                                             std::optional<std::string> session_moderator,
                                             std::optional<std::string> stream_participant = std::nullopt);
    // One client message (a JSON text); a refusal is for the caller to send or answer.
    std::optional<room_refusal> receive(room_connection& connection, std::string_view text);
    std::optional<room_refusal> receive(room_connection& connection, const nlohmann::json& message);
    // The connection ended: it leaves the count at once. Idempotent.
    void disconnect(room_connection& connection);
    // The open event stream of this participant hash, for their POSTs.
    std::shared_ptr<room_connection> stream_of(const std::string& participant_hash);

    // Once a second (the room writer): the count when it changed, the clock every 5 s and at each
    // phase change.
    void tick();
    // The changes since the last call, for the writer; a failed write gives them back.
    catalog::room_batch take_changes();
    void give_back(catalog::room_batch&& failed);
    // The hashes of the active guest moderator links (refreshed by the writer and the link routes).
    void set_moderator_links(std::vector<std::pair<std::string, std::int64_t>> links);

    // Closes every joined connection with `code` (1012 when another node took the room over: the
    // clients reconnect through the balancer and find its holder).
    void close_all(std::uint16_t code, std::string_view reason);

    std::size_t count() const;      // participants connected now
    bool empty_and_ended() const;   // can be dropped from memory

private:
    using json = nlohmann::json;
    std::optional<room_refusal> hello(room_connection& c, const json& message, std::int64_t now);
    std::optional<room_refusal> speak(room_connection& c, catalog::room_message_kind kind, const json& message,
                                      std::int64_t now);
    std::optional<room_refusal> vote(room_connection& c, const json& message);
    std::optional<room_refusal> rename(room_connection& c, const json& message);
    std::optional<room_refusal> moderate(room_connection& c, const std::string& type, const json& message,
                                         std::int64_t now);
    std::optional<room_refusal> set_muted(room_connection& c, const json& message, bool muted);
    std::optional<room_refusal> limit_rate(room_participant_state& who, std::int64_t now) const;

    catalog::premiere_phase phase(std::int64_t now_ms) const;
    room_participant_state& participant(const std::string& hash, std::int64_t now);
    void leave(room_connection& c);
    json welcome(const room_connection& c, std::int64_t now) const;
    json message_json(const catalog::room_message& m) const;
    json clock_json(std::int64_t now, catalog::premiere_phase phase) const;
    // To everyone, or (a muted participant's) to its author's connections alone.
    void broadcast(const json& message);
    void send_visible(const catalog::room_message& m, const json& message);
    void send_to_participant(const room_participant_state& who, const std::shared_ptr<const std::string>& text);
    void note_attendance();

    const std::int64_t premiere_id_;
    const room_clock clock_;
    mutable std::mutex mutex_;
    catalog::premiere premiere_;
    std::int64_t seq_ = 0;
    std::deque<catalog::room_message> chat_;              // the last chat_history, by seq
    std::map<std::int64_t, catalog::room_message> questions_;
    std::set<std::pair<std::int64_t, std::string>> votes_;  // (seq, participant hash)
    std::unordered_map<std::string, room_participant_state> participants_;  // by hash
    std::unordered_map<std::string, std::string> hash_by_public_id_;
    std::unordered_map<std::string, std::int64_t> moderator_links_;  // token hash → link id
    // Connections that said hello; each is held by its WebSocket session or event stream, which
    // disconnects it before letting it go.
    std::unordered_set<room_connection*> members_;
    std::unordered_map<std::string, std::weak_ptr<room_connection>> streams_;  // event streams by participant
    std::size_t connections_ = 0;  // open, whether they said hello or not yet
    std::size_t present_ = 0;  // participants with a connection
    std::size_t peak_ = 0;
    std::size_t recorded_total_ = 0;
    std::size_t recorded_peak_ = 0;
    std::size_t count_sent_ = 0;
    std::optional<catalog::premiere_phase> phase_sent_;
    std::int64_t clock_sent_ms_ = 0;
    catalog::room_batch changes_;
};

}  // namespace festival::server
