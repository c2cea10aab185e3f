#include "catalog/premieres.hpp"

#include <algorithm>
#include <cmath>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/feedback_text.hpp"
#include "catalog/films.hpp"
#include "catalog/inserted_id.hpp"
#include "catalog/screening_window.hpp"

namespace festival::catalog {
namespace {

constexpr int max_qa_minutes = 24 * 60;  // the table's CHECK
constexpr int max_slow_seconds = 300;
constexpr std::size_t max_note_chars = 500;

constexpr const char* premiere_columns =
    "p.id, p.film_id, f.slug, p.starts_at, p.duration_seconds, p.qa_minutes, p.note, p.closed_at, "
    "p.slow_seconds, p.peak_participants, p.total_participants, p.created_at";

premiere read_premiere_row(const statement& st) {
    premiere p;
    p.id = st.int64("id");
    p.film_id = st.int64("film_id");
    p.film_slug = st.text("slug");
    p.starts_at = st.text("starts_at");
    p.duration_seconds = st.real("duration_seconds");
    p.qa_minutes = static_cast<int>(st.int64("qa_minutes"));
    p.note = st.text("note");
    p.closed_at = st.optional_text("closed_at");
    p.slow_seconds = static_cast<int>(st.int64("slow_seconds"));
    p.peak_participants = st.int64("peak_participants");
    p.total_participants = st.int64("total_participants");
    p.created_at = st.text("created_at");
    return p;
}

std::vector<premiere> read_premieres(statement& st) {
    std::vector<premiere> out;
    while (st.step()) out.push_back(read_premiere_row(st));
    return out;
}

std::string select_premieres(const std::string& where) {
    return std::string("SELECT ") + premiere_columns + " FROM premieres p JOIN films f ON f.id = p.film_id " + where +
           " ORDER BY p.starts_at, p.id";
}

// An instant as a person states it: a date and a time with "Z" or an offset (a time without one names
// no instant), read by the catalog's one ISO 8601 reader.
std::optional<std::int64_t> parse_instant(const std::string& text) {
    if (text.size() < 17 || text[10] != 'T') return std::nullopt;
    const bool zoned = text.back() == 'Z' || text.find_first_of("+-", 11) != std::string::npos;
    if (!zoned) return std::nullopt;
    return parse_stored_time(text);
}

double duration_of(const film& f, const premiere_request& request) {
    if (!f.media_version) throw invalid("no_version", "the film has no published version to premiere yet");
    if (request.duration_seconds && *request.duration_seconds > 0 && std::isfinite(*request.duration_seconds))
        return *request.duration_seconds;
    if (f.runtime_minutes && *f.runtime_minutes > 0) return *f.runtime_minutes * 60.0;
    throw invalid("no_version", "the film's published version states no running time");
}

}  // namespace

std::int64_t premiere::starts_at_unix() const { return parse_utc(starts_at).value_or(0); }

std::int64_t premiere::ends_at_unix() const {
    return starts_at_unix() + static_cast<std::int64_t>(std::ceil(duration_seconds));
}

std::int64_t premiere::room_closes_unix() const {
    const std::int64_t after_questions = ends_at_unix() + qa_minutes * 60LL;
    if (!closed_at) return after_questions;
    const auto closed = parse_utc(*closed_at);
    return closed ? std::min(after_questions, *closed) : after_questions;
}

premiere_phase premiere::phase_at(std::int64_t unix_now) const {
    if (unix_now >= room_closes_unix()) return premiere_phase::ended;
    if (closed_at) return premiere_phase::ended;  // closed by a moderator before the Q&A was over
    if (unix_now < starts_at_unix()) return premiere_phase::scheduled;
    if (unix_now < ends_at_unix()) return premiere_phase::screening;
    return premiere_phase::questions;
}

premiere schedule_premiere(database& db, std::int64_t film_id, const premiere_request& request,
                           std::optional<std::int64_t> created_by, std::int64_t now) {
    const auto starts = parse_instant(request.starts_at);
    if (!starts)
        throw invalid("invalid_time", "starts_at must be an ISO 8601 date and time with Z or an offset, e.g. "
                                      "2026-12-01T20:00:00+01:00");
    if (*starts < now) throw invalid("in_the_past", "the premiere would start in the past");
    if (request.qa_minutes < 0 || request.qa_minutes > max_qa_minutes)
        throw invalid("invalid_qa_minutes", "qa_minutes must lie between 0 and 1440");
    check_viewer_text("note", request.note, max_note_chars, false);

    transaction tx(db);
    const auto f = find_film(db, film_id);
    if (!f) throw not_found("film_not_found", "no film " + std::to_string(film_id));
    const double duration = duration_of(*f, request);

    premiere draft;
    draft.film_id = film_id;
    draft.film_slug = f->slug;
    draft.starts_at = format_utc(*starts);
    draft.duration_seconds = duration;
    draft.qa_minutes = request.qa_minutes;
    draft.note = request.note;

    const auto window = screening_window_of(*f);
    if ((window.starts() && *starts < *window.starts()) || (window.ends() && draft.ends_at_unix() > *window.ends()))
        throw invalid("outside_window", "the film's screening window does not hold the whole premiere");
    for (const auto& other : film_premieres(db, film_id)) {
        if (draft.starts_at_unix() < other.room_closes_unix() && other.starts_at_unix() < draft.room_closes_unix())
            throw invalid("overlapping", "another premiere of this film (" + other.starts_at + ") overlaps it");
    }

    auto insert = db.prepare(
        "INSERT INTO premieres (film_id, starts_at, duration_seconds, qa_minutes, note, created_by, created_at) "
        "VALUES (:film, :starts, :duration, :qa, :note, :by, :now) RETURNING id");
    insert.bind(":film", film_id)
        .bind(":starts", draft.starts_at)
        .bind(":duration", duration)
        .bind(":qa", draft.qa_minutes)
        .bind(":note", draft.note)
        .bind(":by", created_by)
        .bind(":now", format_utc(now));
    const auto id = inserted_id(insert);
    tx.commit();
    return find_premiere(db, id).value();
}

std::optional<premiere> find_premiere(database& db, std::int64_t id) {
    auto st = db.prepare(select_premieres("WHERE p.id = :id"));
    st.bind(":id", id);
    if (!st.step()) return std::nullopt;
    auto found = read_premiere_row(st);
    st.reset();
    return found;
}

std::vector<premiere> film_premieres(database& db, std::int64_t film_id, std::int64_t since_unix) {
    auto st = db.prepare(select_premieres("WHERE p.film_id = :film"));
    st.bind(":film", film_id);
    auto all = read_premieres(st);
    // The room's closing depends on the film's duration and the Q&A: computed here, not in SQL.
    std::erase_if(all, [since_unix](const premiere& p) { return p.room_closes_unix() < since_unix; });
    return all;
}

std::vector<premiere> all_premieres(database& db) {
    auto st = db.prepare(select_premieres(""));
    return read_premieres(st);
}

void cancel_premiere(database& db, std::int64_t id) {
    transaction tx(db);
    if (!find_premiere(db, id)) throw not_found("premiere_not_found", "no premiere " + std::to_string(id));
    db.prepare("DELETE FROM premieres WHERE id = :id").bind(":id", id).run();
    tx.commit();
}

void close_premiere_room(database& db, std::int64_t id, std::int64_t now) {
    transaction tx(db);
    if (!find_premiere(db, id)) throw not_found("premiere_not_found", "no premiere " + std::to_string(id));
    db.prepare("UPDATE premieres SET closed_at = :now WHERE id = :id AND closed_at IS NULL")
        .bind(":now", format_utc(now))
        .bind(":id", id)
        .run();
    tx.commit();
}

void set_premiere_slow_mode(database& db, std::int64_t id, int slow_seconds) {
    if (slow_seconds < 0 || slow_seconds > max_slow_seconds)
        throw invalid("invalid_slow_seconds", "slow mode lies between 0 and 300 seconds");
    transaction tx(db);
    if (!find_premiere(db, id)) throw not_found("premiere_not_found", "no premiere " + std::to_string(id));
    db.prepare("UPDATE premieres SET slow_seconds = :seconds WHERE id = :id")
        .bind(":seconds", slow_seconds)
        .bind(":id", id)
        .run();
    tx.commit();
}

void record_premiere_attendance(database& db, std::int64_t id, std::int64_t peak, std::int64_t total) {
    // One statement that only raises: nodes writing what each saw never undo each other.
    db.prepare(
          "UPDATE premieres SET "
          "peak_participants = CASE WHEN peak_participants < CAST(:peak AS BIGINT) "
          "THEN CAST(:peak AS BIGINT) ELSE peak_participants END, "
          "total_participants = CASE WHEN total_participants < CAST(:total AS BIGINT) "
          "THEN CAST(:total AS BIGINT) ELSE total_participants END "
          "WHERE id = :id")
        .bind(":peak", peak)
        .bind(":total", total)
        .bind(":id", id)
        .run();
}

const char* premiere_phase_name(premiere_phase phase) {
    switch (phase) {
        case premiere_phase::scheduled: return "scheduled";
        case premiere_phase::screening: return "screening";
        case premiere_phase::questions: return "questions";
        case premiere_phase::ended: return "ended";
    }
    return "ended";
}

nlohmann::json premiere_to_json(const premiere& p, std::int64_t unix_now) {
    return {{"id", p.id},
            {"film", p.film_slug},
            {"film_id", p.film_id},
            {"starts_at", p.starts_at},
            {"ends_at", format_utc(p.ends_at_unix())},
            {"room_closes_at", format_utc(p.room_closes_unix())},
            {"duration_seconds", p.duration_seconds},
            {"qa_minutes", p.qa_minutes},
            {"note", p.note},
            {"phase", premiere_phase_name(p.phase_at(unix_now))},
            {"slow_seconds", p.slow_seconds},
            {"attendance", {{"peak", p.peak_participants}, {"total", p.total_participants}}}};
}

}  // namespace festival::catalog
