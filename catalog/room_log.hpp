#pragma once
// What a premiere's room keeps in the catalog: its participants (by the BLAKE2b of their browser's
// token, never an address), everything said in order of seq, votes, mutes, and the guest moderator
// links (kept hashed). The room itself lives in memory on one node (server/room/); this is what it
// loads when it opens and what its writer appends every second (docs/premieres.md).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::catalog {

class database;

enum class room_message_kind { chat, question };
const char* room_message_kind_name(room_message_kind kind);

struct room_message {
    std::int64_t seq = 0;
    room_message_kind kind = room_message_kind::chat;
    std::string participant;   // BLAKE2b hex of the participant's token
    std::string display_name;  // as it was when said
    std::string text;          // exactly as typed (checked by check_viewer_text)
    std::int64_t said_at_ms = 0;
    bool muted = false;        // said while muted: shown to its author alone
    std::optional<std::string> deleted_at;
    std::optional<std::string> deleted_by;  // "session:<user id>" or "link:<link id>"
    int votes = 0;
    std::optional<std::string> answered_at;
};

struct room_participant {
    std::string participant;  // BLAKE2b hex of the token
    std::string display_name; // "" until they chose one
    std::string first_seen;
    bool muted = false;
};

// What a room starts from when a node opens it.
struct room_snapshot {
    std::vector<room_message> recent_chat;   // the last `chat_history` chat messages not deleted, by seq
    std::vector<room_message> questions;     // every question not deleted, by seq
    std::vector<room_participant> participants;
    std::vector<std::pair<std::int64_t, std::string>> votes;  // (seq, participant)
    std::int64_t max_seq = 0;                // deleted messages count too: seq never repeats
};
room_snapshot load_room(database& db, std::int64_t premiere_id, std::size_t chat_history);

// Changes a room made since its last write, applied in one transaction in this order.
struct room_batch {
    std::vector<room_participant> participants;  // first seen, or renamed (display_name updated)
    std::vector<room_message> messages;          // new ones
    std::vector<std::pair<std::int64_t, std::string>> votes;  // (seq, participant); a repeat is ignored
    struct deletion {
        std::int64_t seq;
        std::string at;
        std::string by;
    };
    std::vector<deletion> deletions;
    std::vector<std::pair<std::int64_t, std::string>> answered;  // (seq, at)
    std::vector<std::pair<std::string, bool>> mutes;             // (participant, muted)
    std::optional<std::pair<std::int64_t, std::int64_t>> attendance;  // (peak, total)
    std::optional<int> slow_seconds;
    std::optional<std::int64_t> closed_at_unix;

    bool empty() const;
    // Appends `later`'s changes after these (a failed write is retried with the next one).
    void append(room_batch&& later);
};
void write_room_batch(database& db, std::int64_t premiere_id, const room_batch& batch);

// Every message of a premiere, muted and deleted included, by seq (the organizers' export).
std::vector<room_message> room_messages(database& db, std::int64_t premiere_id);
// {"premiere_id", "messages":[{seq, kind, at, said_at, name, id, text, muted, deleted, deleted_at,
//  votes, answered, answered_at}]}; `id` is what others saw as from.id.
nlohmann::json room_export_json(database& db, std::int64_t premiere_id);
// The same as CSV (UTF-8 with a BOM, cells guarded against formulas like the feedback export's).
std::string room_export_csv(database& db, std::int64_t premiere_id);

// What others see of a participant: the first 16 hex digits of their token's hash.
std::string room_public_id(const std::string& participant_hash);

// Guest moderator links (e.g. for the director): a token shown once, kept as its hash.
struct room_moderator_link {
    std::int64_t id = 0;
    std::int64_t premiere_id = 0;
    std::string label;
    std::string created_at;
    std::optional<std::string> revoked_at;
};
struct created_moderator_link {
    room_moderator_link link;
    std::string token;  // 64 hex digits; never stored
};
// Throws invalid (label: 1 to 80 characters, the viewer text rules).
created_moderator_link create_moderator_link(database& db, std::int64_t premiere_id, const std::string& label);
// The active link of this premiere whose token this is.
std::optional<room_moderator_link> find_moderator_link(database& db, std::int64_t premiere_id, const std::string& token);
// The token hashes of a premiere's active links (what an open room checks a hello against).
std::vector<std::pair<std::string, std::int64_t>> active_moderator_link_hashes(database& db, std::int64_t premiere_id);
std::vector<room_moderator_link> list_moderator_links(database& db, std::int64_t premiere_id);
// Throws not_found (moderator_link_not_found); revoking twice keeps the first time.
void revoke_moderator_link(database& db, std::int64_t premiere_id, std::int64_t link_id);
nlohmann::json moderator_link_to_json(const room_moderator_link& link);

}  // namespace festival::catalog
