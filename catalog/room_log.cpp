#include "catalog/room_log.hpp"

#include <algorithm>

#include "catalog/accounts.hpp"
#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/feedback_export.hpp"
#include "catalog/feedback_text.hpp"
#include "catalog/inserted_id.hpp"
#include "catalog/premieres.hpp"

namespace festival::catalog {
namespace {

constexpr std::size_t max_link_label_chars = 80;

// "2026-12-01T19:00:00.123Z": the catalog's UTC text with milliseconds, so a reload keeps `at`.
std::string format_utc_ms(std::int64_t unix_ms) {
    auto text = format_utc(unix_ms / 1000);
    text.pop_back();  // the Z
    text += '.';
    text += std::to_string(1000 + unix_ms % 1000).substr(1);
    text += 'Z';
    return text;
}

std::int64_t parse_utc_ms(const std::string& text) {
    const auto dot = text.find('.');
    if (dot == std::string::npos) return parse_utc(text).value_or(0) * 1000;
    const auto seconds = parse_utc(text.substr(0, dot) + "Z").value_or(0);
    return seconds * 1000 + std::stoll(text.substr(dot + 1, 3));
}

constexpr const char* message_columns =
    "seq, kind, participant, display_name, text, said_at, muted, deleted_at, deleted_by, votes, answered_at";

room_message read_message(const statement& st) {
    room_message m;
    m.seq = st.int64("seq");
    m.kind = st.text("kind") == "question" ? room_message_kind::question : room_message_kind::chat;
    m.participant = st.text("participant");
    m.display_name = st.text("display_name");
    m.text = st.text("text");
    m.said_at_ms = parse_utc_ms(st.text("said_at"));
    m.muted = st.int64("muted") != 0;
    m.deleted_at = st.optional_text("deleted_at");
    m.deleted_by = st.optional_text("deleted_by");
    m.votes = static_cast<int>(st.int64("votes"));
    m.answered_at = st.optional_text("answered_at");
    return m;
}

room_moderator_link read_link(const statement& st) {
    return {st.int64("id"), st.int64("premiere_id"), st.text("label"), st.text("created_at"),
            st.optional_text("revoked_at")};
}

nlohmann::json optional_json(const std::optional<std::string>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

const char* room_message_kind_name(room_message_kind kind) {
    return kind == room_message_kind::question ? "question" : "chat";
}

std::string room_public_id(const std::string& participant_hash) { return participant_hash.substr(0, 16); }

room_snapshot load_room(database& db, std::int64_t premiere_id, std::size_t chat_history) {
    room_snapshot room;
    {
        auto st = db.prepare("SELECT max(seq) AS top FROM room_messages WHERE premiere_id = :premiere");
        st.bind(":premiere", premiere_id);
        if (st.step()) room.max_seq = st.int64("top");
    }
    {
        auto st = db.prepare(std::string("SELECT ") + message_columns +
                             " FROM room_messages WHERE premiere_id = :premiere AND kind = 'chat' AND deleted_at IS NULL"
                             " ORDER BY seq DESC LIMIT :limit");
        st.bind(":premiere", premiere_id).bind(":limit", static_cast<std::int64_t>(chat_history));
        while (st.step()) room.recent_chat.push_back(read_message(st));
        std::reverse(room.recent_chat.begin(), room.recent_chat.end());
    }
    {
        auto st = db.prepare(std::string("SELECT ") + message_columns +
                             " FROM room_messages WHERE premiere_id = :premiere AND kind = 'question'"
                             " AND deleted_at IS NULL ORDER BY seq");
        st.bind(":premiere", premiere_id);
        while (st.step()) room.questions.push_back(read_message(st));
    }
    {
        auto st = db.prepare(
            "SELECT participant, display_name, first_seen, muted_at FROM room_participants "
            "WHERE premiere_id = :premiere ORDER BY first_seen, participant");
        st.bind(":premiere", premiere_id);
        while (st.step())
            room.participants.push_back({st.text("participant"), st.text("display_name"), st.text("first_seen"),
                                         !st.is_null("muted_at")});
    }
    {
        auto st = db.prepare("SELECT seq, participant FROM room_votes WHERE premiere_id = :premiere ORDER BY seq");
        st.bind(":premiere", premiere_id);
        while (st.step()) room.votes.emplace_back(st.int64("seq"), st.text("participant"));
    }
    return room;
}

bool room_batch::empty() const {
    return participants.empty() && messages.empty() && votes.empty() && deletions.empty() && answered.empty() &&
           mutes.empty() && !attendance && !slow_seconds && !closed_at_unix;
}

void room_batch::append(room_batch&& later) {
    auto move_into = [](auto& to, auto& from) {
        to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
    };
    move_into(participants, later.participants);
    move_into(messages, later.messages);
    move_into(votes, later.votes);
    move_into(deletions, later.deletions);
    move_into(answered, later.answered);
    move_into(mutes, later.mutes);
    if (later.attendance) attendance = later.attendance;
    if (later.slow_seconds) slow_seconds = later.slow_seconds;
    if (later.closed_at_unix) closed_at_unix = later.closed_at_unix;
}

void write_room_batch(database& db, std::int64_t premiere_id, const room_batch& batch) {
    if (batch.empty()) return;
    transaction tx(db);
    for (const auto& p : batch.participants) {
        auto st = db.prepare(
            "INSERT INTO room_participants (premiere_id, participant, display_name, first_seen) "
            "VALUES (:premiere, :participant, :name, :seen) "
            "ON CONFLICT (premiere_id, participant) DO UPDATE SET display_name = excluded.display_name");
        st.bind(":premiere", premiere_id).bind(":participant", p.participant).bind(":name", p.display_name);
        st.bind(":seen", p.first_seen).run();
    }
    for (const auto& m : batch.messages) {
        auto st = db.prepare(
            "INSERT INTO room_messages (premiere_id, seq, kind, participant, display_name, text, said_at, muted) "
            "VALUES (:premiere, :seq, :kind, :participant, :name, :text, :at, :muted) "
            "ON CONFLICT (premiere_id, seq) DO NOTHING");
        st.bind(":premiere", premiere_id).bind(":seq", m.seq).bind(":kind", room_message_kind_name(m.kind));
        st.bind(":participant", m.participant).bind(":name", m.display_name).bind(":text", m.text);
        st.bind(":at", format_utc_ms(m.said_at_ms)).bind(":muted", m.muted ? 1 : 0).run();
    }
    std::vector<std::int64_t> voted;
    for (const auto& [seq, participant] : batch.votes) {
        auto st = db.prepare(
            "INSERT INTO room_votes (premiere_id, seq, participant) VALUES (:premiere, :seq, :participant) "
            "ON CONFLICT (premiere_id, seq, participant) DO NOTHING");
        st.bind(":premiere", premiere_id).bind(":seq", seq).bind(":participant", participant).run();
        voted.push_back(seq);
    }
    std::sort(voted.begin(), voted.end());
    voted.erase(std::unique(voted.begin(), voted.end()), voted.end());
    for (const auto seq : voted) {  // counted from the votes themselves, so a retried batch counts once
        auto st = db.prepare(
            "UPDATE room_messages SET votes = (SELECT count(*) FROM room_votes v WHERE v.premiere_id = :premiere "
            "AND v.seq = :seq) WHERE premiere_id = :premiere AND seq = :seq");
        st.bind(":premiere", premiere_id).bind(":seq", seq).run();
    }
    for (const auto& d : batch.deletions) {
        auto st = db.prepare(
            "UPDATE room_messages SET deleted_at = :at, deleted_by = :by "
            "WHERE premiere_id = :premiere AND seq = :seq AND deleted_at IS NULL");
        st.bind(":at", d.at).bind(":by", d.by).bind(":premiere", premiere_id).bind(":seq", d.seq).run();
    }
    for (const auto& [seq, at] : batch.answered) {
        auto st = db.prepare(
            "UPDATE room_messages SET answered_at = :at "
            "WHERE premiere_id = :premiere AND seq = :seq AND answered_at IS NULL");
        st.bind(":at", at).bind(":premiere", premiere_id).bind(":seq", seq).run();
    }
    for (const auto& [participant, muted] : batch.mutes) {
        auto st = db.prepare(
            "UPDATE room_participants SET muted_at = :at WHERE premiere_id = :premiere AND participant = :participant");
        st.bind(":at", muted ? std::optional<std::string>(utc_now()) : std::nullopt);
        st.bind(":premiere", premiere_id).bind(":participant", participant).run();
    }
    if (batch.slow_seconds) set_premiere_slow_mode(db, premiere_id, *batch.slow_seconds);
    if (batch.closed_at_unix) close_premiere_room(db, premiere_id, *batch.closed_at_unix);
    if (batch.attendance)
        record_premiere_attendance(db, premiere_id, batch.attendance->first, batch.attendance->second);
    tx.commit();
}

std::vector<room_message> room_messages(database& db, std::int64_t premiere_id) {
    auto st = db.prepare(std::string("SELECT ") + message_columns +
                         " FROM room_messages WHERE premiere_id = :premiere ORDER BY seq");
    st.bind(":premiere", premiere_id);
    std::vector<room_message> out;
    while (st.step()) out.push_back(read_message(st));
    return out;
}

nlohmann::json room_export_json(database& db, std::int64_t premiere_id) {
    auto messages = nlohmann::json::array();
    for (const auto& m : room_messages(db, premiere_id)) {
        messages.push_back({{"seq", m.seq},
                            {"kind", room_message_kind_name(m.kind)},
                            {"at", m.said_at_ms},
                            {"said_at", format_utc_ms(m.said_at_ms)},
                            {"name", m.display_name},
                            {"id", room_public_id(m.participant)},
                            {"text", m.text},
                            {"muted", m.muted},
                            {"deleted", m.deleted_at.has_value()},
                            {"deleted_at", optional_json(m.deleted_at)},
                            {"votes", m.votes},
                            {"answered", m.answered_at.has_value()},
                            {"answered_at", optional_json(m.answered_at)}});
    }
    return {{"premiere_id", premiere_id}, {"messages", std::move(messages)}};
}

std::string room_export_csv(database& db, std::int64_t premiere_id) {
    std::string out(utf8_bom);
    out += csv_record({"seq", "kind", "said_at", "name", "id", "text", "muted", "deleted_at", "votes", "answered_at"});
    for (const auto& m : room_messages(db, premiere_id))
        out += csv_record({std::to_string(m.seq), room_message_kind_name(m.kind), format_utc_ms(m.said_at_ms),
                           m.display_name, room_public_id(m.participant), m.text, m.muted ? "1" : "0",
                           m.deleted_at.value_or(""), std::to_string(m.votes), m.answered_at.value_or("")});
    return out;
}

created_moderator_link create_moderator_link(database& db, std::int64_t premiere_id, const std::string& label) {
    check_viewer_text("label", label, max_link_label_chars, true);
    created_moderator_link made;
    made.token = random_token();
    made.link.premiere_id = premiere_id;
    made.link.label = label;
    made.link.created_at = utc_now();
    auto st = db.prepare(
        "INSERT INTO room_moderator_links (premiere_id, token_hash, label, created_at) "
        "VALUES (:premiere, :hash, :label, :at) RETURNING id");
    st.bind(":premiere", premiere_id).bind(":hash", token_hash(made.token)).bind(":label", label);
    st.bind(":at", made.link.created_at);
    made.link.id = inserted_id(st);
    return made;
}

std::optional<room_moderator_link> find_moderator_link(database& db, std::int64_t premiere_id, const std::string& token) {
    auto st = db.prepare(
        "SELECT id, premiere_id, label, created_at, revoked_at FROM room_moderator_links "
        "WHERE token_hash = :hash AND premiere_id = :premiere AND revoked_at IS NULL");
    st.bind(":hash", token_hash(token)).bind(":premiere", premiere_id);
    if (!st.step()) return std::nullopt;
    return read_link(st);
}

std::vector<std::pair<std::string, std::int64_t>> active_moderator_link_hashes(database& db, std::int64_t premiere_id) {
    auto st = db.prepare(
        "SELECT id, token_hash FROM room_moderator_links WHERE premiere_id = :premiere AND revoked_at IS NULL");
    st.bind(":premiere", premiere_id);
    std::vector<std::pair<std::string, std::int64_t>> hashes;
    while (st.step()) hashes.emplace_back(st.text("token_hash"), st.int64("id"));
    return hashes;
}

std::vector<room_moderator_link> list_moderator_links(database& db, std::int64_t premiere_id) {
    auto st = db.prepare(
        "SELECT id, premiere_id, label, created_at, revoked_at FROM room_moderator_links "
        "WHERE premiere_id = :premiere ORDER BY id");
    st.bind(":premiere", premiere_id);
    std::vector<room_moderator_link> links;
    while (st.step()) links.push_back(read_link(st));
    return links;
}

void revoke_moderator_link(database& db, std::int64_t premiere_id, std::int64_t link_id) {
    auto known = db.prepare("SELECT 1 AS found FROM room_moderator_links WHERE id = :id AND premiere_id = :premiere");
    known.bind(":id", link_id).bind(":premiere", premiere_id);
    if (!known.step()) throw not_found("moderator_link_not_found", "no such moderator link for this premiere");
    known.reset();
    auto st = db.prepare(
        "UPDATE room_moderator_links SET revoked_at = :at WHERE id = :id AND premiere_id = :premiere "
        "AND revoked_at IS NULL");
    st.bind(":at", utc_now()).bind(":id", link_id).bind(":premiere", premiere_id).run();
}

nlohmann::json moderator_link_to_json(const room_moderator_link& link) {
    return {{"id", link.id},
            {"premiere_id", link.premiere_id},
            {"label", link.label},
            {"created_at", link.created_at},
            {"revoked_at", optional_json(link.revoked_at)},
            {"active", !link.revoked_at}};
}

}  // namespace festival::catalog
