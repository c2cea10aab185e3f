#include "server/room/room.hpp"

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "catalog/accounts.hpp"
#include "catalog/clock.hpp"
#include "catalog/errors.hpp"
#include "catalog/feedback_text.hpp"

namespace festival::server {
namespace {

using json = nlohmann::json;
using catalog::room_message_kind;

room_refusal refuse(std::string code, std::string message, std::optional<int> retry_after = std::nullopt) {
    return {std::move(code), std::move(message), retry_after};
}

room_refusal invalid_message(std::string message) { return refuse("invalid_message", std::move(message)); }

std::shared_ptr<const std::string> text_of(const json& message) {
    return std::make_shared<const std::string>(message.dump());
}

// A participant token: 32 hex digits (the browser's random 128 bits), any case.
std::optional<std::string> participant_token(const json& message) {
    const auto found = message.find("participant");
    if (found == message.end() || !found->is_string()) return std::nullopt;
    auto token = found->get<std::string>();
    if (token.size() != 32) return std::nullopt;
    for (auto& c : token) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    }
    return token;
}

// The festival's comment rules on viewer text, told in the room's error codes.
std::optional<room_refusal> check_text(std::string_view field, const json& value, std::size_t max_chars) {
    if (!value.is_string()) return invalid_message("'" + std::string(field) + "' must be a text");
    try {
        catalog::check_viewer_text(field, value.get_ref<const std::string&>(), max_chars, true);
    } catch (const catalog::catalog_error& e) {
        if (e.code() == "too_long" || e.code() == "empty") return refuse(e.code(), e.what());
        return invalid_message(e.what());
    }
    return std::nullopt;
}

std::optional<std::int64_t> seq_of(const json& message) {
    const auto found = message.find("seq");
    if (found == message.end() || !found->is_number_integer()) return std::nullopt;
    return found->get<std::int64_t>();
}

int seconds_until(std::int64_t now_ms, std::int64_t at_ms) {
    return static_cast<int>(std::max<std::int64_t>(1, (at_ms - now_ms + 999) / 1000));
}

std::string format_ms(std::int64_t ms) { return catalog::format_utc(ms / 1000); }

}  // namespace

std::int64_t system_room_clock() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::shared_ptr<const std::string> room_error_text(const room_refusal& refusal) {
    json error = {{"type", "error"}, {"code", refusal.code}, {"message", refusal.message}};
    if (refusal.retry_after) error["retry_after"] = *refusal.retry_after;
    return text_of(error);
}

room::room(catalog::premiere premiere, catalog::room_snapshot snapshot,
           std::vector<std::pair<std::string, std::int64_t>> moderator_links, room_clock clock)
    : premiere_id_(premiere.id), clock_(std::move(clock)), premiere_(std::move(premiere)), seq_(snapshot.max_seq) {
    for (auto& m : snapshot.recent_chat) chat_.push_back(std::move(m));
    for (auto& q : snapshot.questions) questions_.emplace(q.seq, std::move(q));
    for (auto& v : snapshot.votes) votes_.insert(std::move(v));
    for (auto& p : snapshot.participants) {
        room_participant_state state;
        state.hash = p.participant;
        state.public_id = catalog::room_public_id(p.participant);
        state.name = std::move(p.display_name);
        state.first_seen = std::move(p.first_seen);
        state.muted = p.muted;
        hash_by_public_id_[state.public_id] = state.hash;
        participants_.emplace(state.hash, std::move(state));
    }
    recorded_total_ = participants_.size();
    for (auto& [hash, id] : moderator_links) moderator_links_.emplace(std::move(hash), id);
}

std::shared_ptr<room_connection> room::connect(std::shared_ptr<websocket_peer> peer,
                                               std::optional<std::string> session_moderator,
                                               std::optional<std::string> stream_participant) {
    auto c = std::make_shared<room_connection>();
    c->peer_ = std::move(peer);
    c->session_moderator_ = std::move(session_moderator);
    c->stream_participant_ = stream_participant;
    std::lock_guard lock(mutex_);
    ++connections_;
    if (stream_participant) {
        if (auto older = streams_[*stream_participant].lock(); older && older->peer_)
            older->peer_->close(1000, "replaced by a newer event stream");
        streams_[*stream_participant] = c;
    }
    return c;
}

std::shared_ptr<room_connection> room::stream_of(const std::string& participant_hash) {
    std::lock_guard lock(mutex_);
    const auto found = streams_.find(participant_hash);
    return found == streams_.end() ? nullptr : found->second.lock();
}

std::optional<room_refusal> room::receive(room_connection& connection, std::string_view text) {
    auto message = json::parse(text, nullptr, false);
    if (message.is_discarded() || !message.is_object()) return invalid_message("a message is one JSON object");
    return receive(connection, message);
}

std::optional<room_refusal> room::receive(room_connection& c, const json& message) {
    const auto type_field = message.find("type");
    if (type_field == message.end() || !type_field->is_string())
        return invalid_message("a message names its \"type\"");
    const auto& type = type_field->get_ref<const std::string&>();
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    if (c.gone_) return refuse("not_found", "this connection has left the room");
    if (type == "hello") return hello(c, message, now);
    if (!c.joined()) return refuse("hello_first", "say hello first");
    if (type == "say") return speak(c, room_message_kind::chat, message, now);
    if (type == "ask") return speak(c, room_message_kind::question, message, now);
    if (type == "vote") {
        if (phase(now) == catalog::premiere_phase::ended) return refuse("room_closed", "the room is closed");
        return vote(c, message);
    }
    if (type == "name") return rename(c, message);
    if (type == "delete" || type == "mute" || type == "unmute" || type == "slow" || type == "answered" ||
        type == "close") {
        if (!c.moderator_) return refuse("not_moderator", "only the room's moderators may do this");
        return moderate(c, type, message, now);
    }
    return invalid_message("unknown message type: " + type);
}

std::optional<room_refusal> room::hello(room_connection& c, const json& message, std::int64_t now) {
    if (c.joined()) return invalid_message("hello was already said on this connection");
    const auto token = participant_token(message);
    if (!token) return invalid_message("\"participant\" must be 32 hex digits");
    const auto hash = catalog::token_hash(*token);
    if (c.stream_participant_ && *c.stream_participant_ != hash)
        return invalid_message("this event stream belongs to another participant");
    std::optional<std::string> name;
    // No name yet may come as null or "" (a reader): only a name given is checked.
    if (const auto field = message.find("name"); field != message.end() && !field->is_null() && *field != "") {
        if (auto refusal = check_text("name", *field, room_limits::name_chars)) return refusal;
        name = field->get<std::string>();
    }
    std::optional<room_refusal> link_refusal;
    c.moderator_ = c.session_moderator_.has_value();
    c.moderator_by_ = c.session_moderator_.value_or("");
    if (const auto field = message.find("moderator"); field != message.end() && !field->is_null()) {
        const auto link = field->is_string() ? moderator_links_.find(catalog::token_hash(field->get<std::string>()))
                                             : moderator_links_.end();
        if (link != moderator_links_.end()) {
            c.moderator_ = true;
            c.moderator_by_ = "link:" + std::to_string(link->second);
        } else if (!c.moderator_) {
            link_refusal = refuse("not_moderator", "this moderator link is not valid (revoked, or for another premiere)");
        }
    }
    auto& who = participant(hash, now);
    if (name && *name != who.name) {
        who.name = *name;
        changes_.participants.push_back({who.hash, who.name, who.first_seen, who.muted});
    }
    c.who_ = &who;
    if (who.connections++ == 0) ++present_;
    peak_ = std::max(peak_, present_);
    note_attendance();
    members_.insert(&c);
    c.peer_->send(text_of(welcome(c, now)));
    return link_refusal;
}

room_participant_state& room::participant(const std::string& hash, std::int64_t now) {
    const auto found = participants_.find(hash);
    if (found != participants_.end()) return found->second;
    room_participant_state state;
    state.hash = hash;
    state.public_id = catalog::room_public_id(hash);
    state.first_seen = format_ms(now);
    hash_by_public_id_[state.public_id] = hash;
    changes_.participants.push_back({state.hash, state.name, state.first_seen, false});
    return participants_.emplace(hash, std::move(state)).first->second;
}

std::optional<room_refusal> room::limit_rate(room_participant_state& who, std::int64_t now) const {
    const auto slow_ms = static_cast<std::int64_t>(premiere_.slow_seconds) * 1000;
    if (slow_ms > 0 && who.last_message_ms && now < *who.last_message_ms + slow_ms)
        return refuse("slow_mode", "the room is in slow mode: one message every " +
                                       std::to_string(premiere_.slow_seconds) + " s",
                      seconds_until(now, *who.last_message_ms + slow_ms));
    while (!who.recent_ms.empty() && who.recent_ms.front() <= now - room_limits::burst_window_ms)
        who.recent_ms.pop_front();
    if (who.recent_ms.size() >= room_limits::burst_messages)
        return refuse("rate_limited", "at most 5 messages in 10 seconds",
                      seconds_until(now, who.recent_ms.front() + room_limits::burst_window_ms));
    return std::nullopt;
}

std::optional<room_refusal> room::speak(room_connection& c, room_message_kind kind, const json& message,
                                        std::int64_t now) {
    if (phase(now) == catalog::premiere_phase::ended) return refuse("room_closed", "the room is closed");
    auto& who = *c.who_;
    if (who.name.empty()) return refuse("name_required", "choose a display name to speak");
    const auto text = message.find("text");
    if (text == message.end()) return invalid_message("\"text\" is missing");
    const auto max_chars = kind == room_message_kind::chat ? room_limits::chat_chars : room_limits::question_chars;
    if (auto refusal = check_text("text", *text, max_chars)) return refusal;
    if (!c.moderator_) {
        if (auto refusal = limit_rate(who, now)) return refusal;
        who.recent_ms.push_back(now);
    }
    who.last_message_ms = now;
    catalog::room_message m;
    m.seq = ++seq_;
    m.kind = kind;
    m.participant = who.hash;
    m.display_name = who.name;
    m.text = text->get<std::string>();
    m.said_at_ms = now;
    m.muted = who.muted;
    changes_.messages.push_back(m);
    const auto out = message_json(m);
    send_visible(m, out);
    if (kind == room_message_kind::chat) {
        chat_.push_back(std::move(m));
        if (chat_.size() > room_limits::chat_history) chat_.pop_front();
    } else {
        questions_.emplace(m.seq, std::move(m));
    }
    return std::nullopt;
}

std::optional<room_refusal> room::vote(room_connection& c, const json& message) {
    const auto seq = seq_of(message);
    if (!seq) return invalid_message("\"seq\" must be a whole number");
    const auto found = questions_.find(*seq);
    if (found == questions_.end()) return refuse("not_found", "no such question");
    if (!votes_.emplace(*seq, c.who_->hash).second)
        return invalid_message("you have already voted for this question");
    ++found->second.votes;
    changes_.votes.emplace_back(*seq, c.who_->hash);
    send_visible(found->second, message_json(found->second));
    return std::nullopt;
}

std::optional<room_refusal> room::rename(room_connection& c, const json& message) {
    const auto name = message.find("name");
    if (name == message.end()) return invalid_message("\"name\" is missing");
    if (auto refusal = check_text("name", *name, room_limits::name_chars)) return refusal;
    auto& who = *c.who_;
    who.name = name->get<std::string>();
    changes_.participants.push_back({who.hash, who.name, who.first_seen, who.muted});
    return std::nullopt;
}

std::optional<room_refusal> room::moderate(room_connection& c, const std::string& type, const json& message,
                                           std::int64_t now) {
    if (type == "mute" || type == "unmute") return set_muted(c, message, type == "mute");
    if (type == "slow") {
        const auto seconds = message.find("seconds");
        if (seconds == message.end() || !seconds->is_number_integer() || seconds->get<std::int64_t>() < 0 ||
            seconds->get<std::int64_t>() > room_limits::max_slow_seconds)
            return invalid_message("\"seconds\" must be a whole number from 0 to 300");
        premiere_.slow_seconds = seconds->get<int>();
        changes_.slow_seconds = premiere_.slow_seconds;
        broadcast({{"type", "slow"}, {"seconds", premiere_.slow_seconds}});
        return std::nullopt;
    }
    if (type == "close") {
        if (!premiere_.closed_at) {
            premiere_.closed_at = catalog::format_utc(now / 1000);
            changes_.closed_at_unix = now / 1000;
        }
        const auto current = phase(now);
        phase_sent_ = current;
        clock_sent_ms_ = now;
        broadcast(clock_json(now, current));
        return std::nullopt;
    }
    const auto seq = seq_of(message);
    if (!seq) return invalid_message("\"seq\" must be a whole number");
    if (type == "answered") {
        const auto found = questions_.find(*seq);
        if (found == questions_.end()) return refuse("not_found", "no such question");
        if (!found->second.answered_at) {
            found->second.answered_at = format_ms(now);
            changes_.answered.emplace_back(*seq, *found->second.answered_at);
        }
        send_visible(found->second, message_json(found->second));
        return std::nullopt;
    }
    // delete
    const auto chat = std::find_if(chat_.begin(), chat_.end(), [&](const auto& m) { return m.seq == *seq; });
    if (chat != chat_.end()) {
        chat_.erase(chat);
    } else if (!questions_.erase(*seq)) {
        return refuse("not_found", "no such message in the room");
    }
    changes_.deletions.push_back({*seq, format_ms(now), c.moderator_by_});
    broadcast({{"type", "deleted"}, {"seq", *seq}});
    return std::nullopt;
}

std::optional<room_refusal> room::set_muted(room_connection&, const json& message, bool muted) {
    const auto id = message.find("id");
    if (id == message.end() || !id->is_string()) return invalid_message("\"id\" must name a participant");
    const auto hash = hash_by_public_id_.find(id->get<std::string>());
    if (hash == hash_by_public_id_.end()) return refuse("not_found", "no such participant in this room");
    auto& who = participants_.at(hash->second);
    if (who.muted != muted) {
        who.muted = muted;
        changes_.mutes.emplace_back(who.hash, muted);
    }
    const auto text = text_of({{"type", "muted"}, {"id", who.public_id}, {"muted", muted}});
    for (auto* member : members_)
        if (member->moderator_ || member->who_ == &who) member->peer_->send(text);
    return std::nullopt;
}

void room::disconnect(room_connection& c) {
    std::lock_guard lock(mutex_);
    leave(c);
}

void room::leave(room_connection& c) {
    if (c.gone_) return;
    c.gone_ = true;
    --connections_;
    if (c.stream_participant_) {
        const auto stream = streams_.find(*c.stream_participant_);
        if (stream != streams_.end() && stream->second.lock().get() == &c) streams_.erase(stream);
    }
    if (members_.erase(&c) && c.who_ && --c.who_->connections == 0) --present_;
}

void room::tick() {
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    if (present_ != count_sent_) {
        count_sent_ = present_;
        broadcast({{"type", "count"}, {"count", present_}});
    }
    const auto current = phase(now);
    if (phase_sent_ != current || now - clock_sent_ms_ >= room_limits::clock_every_ms) {
        phase_sent_ = current;
        clock_sent_ms_ = now;
        broadcast(clock_json(now, current));
    }
}

catalog::room_batch room::take_changes() {
    std::lock_guard lock(mutex_);
    return std::exchange(changes_, {});
}

void room::give_back(catalog::room_batch&& failed) {
    std::lock_guard lock(mutex_);
    failed.append(std::move(changes_));
    changes_ = std::move(failed);
}

void room::set_moderator_links(std::vector<std::pair<std::string, std::int64_t>> links) {
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    moderator_links_.clear();
    std::unordered_set<std::string> active;
    for (auto& [hash, id] : links) {
        active.insert("link:" + std::to_string(id));
        moderator_links_.emplace(std::move(hash), id);
    }
    // A revoked link stops moderating on the sockets it opened too: they are welcomed again as what they
    // are now, and told why.
    for (auto* c : members_) {
        if (!c->moderator_by_.starts_with("link:") || active.contains(c->moderator_by_)) continue;
        c->moderator_ = c->session_moderator_.has_value();
        c->moderator_by_ = c->session_moderator_.value_or("");
        c->peer_->send(text_of(welcome(*c, now)));
        c->peer_->send(room_error_text({"not_moderator", "this moderator link was revoked", std::nullopt}));
    }
}

std::size_t room::count() const {
    std::lock_guard lock(mutex_);
    return present_;
}

void room::close_all(std::uint16_t code, std::string_view reason) {
    std::vector<std::shared_ptr<websocket_peer>> peers;
    {
        std::lock_guard lock(mutex_);
        for (const auto* c : members_)
            if (c->peer_) peers.push_back(c->peer_);
    }
    for (const auto& peer : peers) peer->close(code, reason);  // outside the lock: closing calls back
}

bool room::empty_and_ended() const {
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    return connections_ == 0 && changes_.empty() && phase(now) == catalog::premiere_phase::ended;
}

catalog::premiere_phase room::phase(std::int64_t now_ms) const { return premiere_.phase_at(now_ms / 1000); }

void room::note_attendance() {
    if (participants_.size() > recorded_total_ || peak_ > recorded_peak_) {
        recorded_total_ = participants_.size();
        recorded_peak_ = peak_;
        premiere_.peak_participants = std::max<std::int64_t>(premiere_.peak_participants, recorded_peak_);
        premiere_.total_participants = std::max<std::int64_t>(premiere_.total_participants, recorded_total_);
        changes_.attendance = {static_cast<std::int64_t>(peak_), static_cast<std::int64_t>(recorded_total_)};
    }
}

json room::message_json(const catalog::room_message& m) const {
    const auto& who = participants_.at(m.participant);
    json from = {{"id", who.public_id}, {"name", m.display_name}};
    if (m.kind == room_message_kind::chat)
        return {{"type", "message"}, {"seq", m.seq}, {"from", std::move(from)}, {"text", m.text}, {"at", m.said_at_ms}};
    return {{"type", "question"}, {"seq", m.seq},          {"from", std::move(from)},
            {"text", m.text},     {"votes", m.votes},      {"answered", m.answered_at.has_value()},
            {"at", m.said_at_ms}};
}

json room::clock_json(std::int64_t now, catalog::premiere_phase phase) const {
    return {{"type", "clock"}, {"now", now}, {"phase", catalog::premiere_phase_name(phase)}};
}

json room::welcome(const room_connection& c, std::int64_t now) const {
    const auto& who = *c.who_;
    auto visible = [&](const catalog::room_message& m) { return !m.muted || m.participant == who.hash; };
    auto messages = json::array();
    for (const auto& m : chat_)
        if (visible(m)) messages.push_back(message_json(m));
    auto questions = json::array();
    for (const auto& [seq, q] : questions_)
        if (visible(q)) questions.push_back(message_json(q));
    json welcome{{"type", "welcome"},
                 {"you", {{"id", who.public_id}, {"name", who.name}, {"moderator", c.moderator_}, {"muted", who.muted}}},
                 {"premiere", catalog::premiere_to_json(premiere_, now / 1000)},
                 {"now", now},
                 {"count", present_},
                 {"slow_seconds", premiere_.slow_seconds},
                 {"messages", std::move(messages)},
                 {"questions", std::move(questions)}};
    // A moderator joining late learns who is muted already, so they can be unmuted.
    if (c.moderator_) {
        auto muted = json::array();
        for (const auto& [hash, p] : participants_)
            if (p.muted) muted.push_back(p.public_id);
        welcome["muted"] = std::move(muted);
    }
    return welcome;
}

void room::broadcast(const json& message) {
    const auto text = text_of(message);
    for (auto* member : members_) member->peer_->send(text);
}

void room::send_visible(const catalog::room_message& m, const json& message) {
    if (!m.muted) return broadcast(message);
    send_to_participant(participants_.at(m.participant), text_of(message));
}

void room::send_to_participant(const room_participant_state& who, const std::shared_ptr<const std::string>& text) {
    for (auto* member : members_)
        if (member->who_ == &who) member->peer_->send(text);
}

}  // namespace festival::server
