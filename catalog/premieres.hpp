#pragma once
// Premieres: a film screened to everyone at one set time, with its room (chat during the film, then
// questions to the director). Times are ISO 8601 UTC texts ("2026-12-01T19:00:00Z"), as elsewhere in
// the catalog; the screening clock is `starts_at` + the position in the film (docs/premieres.md).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::catalog {

class database;

// Where a premiere is at a given instant.
enum class premiere_phase {
    scheduled,  // before starts_at: a countdown, the room open for chat
    screening,  // starts_at ≤ now < starts_at + duration: every player follows the screening clock
    questions,  // after the film, for qa_minutes: the Q&A; the film is on demand if its window allows
    ended,      // after that, or once a moderator closed the room: read-only, exportable
};

struct premiere {
    std::int64_t id = 0;
    std::int64_t film_id = 0;
    std::string film_slug;
    std::string starts_at;          // ISO 8601 UTC
    double duration_seconds = 0;    // the film's running time when scheduled (its published version)
    int qa_minutes = 60;            // how long the room stays open after the film
    std::string note;               // e.g. "with the director, Q&A in French"
    std::optional<std::string> closed_at;  // a moderator ended the room early
    int slow_seconds = 0;           // slow mode: at least this long between one participant's messages
    std::int64_t peak_participants = 0;   // most people in the room at once
    std::int64_t total_participants = 0;  // distinct participants (browser tokens) who joined
    std::string created_at;

    std::int64_t starts_at_unix() const;
    std::int64_t ends_at_unix() const;       // end of the film: starts_at + duration
    std::int64_t room_closes_unix() const;   // ends_at + qa_minutes, or closed_at when earlier
    premiere_phase phase_at(std::int64_t unix_now) const;
};

struct premiere_request {
    std::string starts_at;  // any ISO 8601 instant with Z or an offset; stored in UTC
    int qa_minutes = 60;
    std::string note;
    // The running time of the film's current version as its manifest (version.json) says, which the
    // caller reads from the data folder (the catalog holds no durations); absent or not positive: the
    // film's runtime_minutes, else "no_version".
    std::optional<double> duration_seconds;
};

// Schedules a premiere of `film_id`. Throws invalid: "invalid_time", "in_the_past" (starts before
// `now`), "no_version" (the film has no published version, so no duration), "outside_window" (the
// screening window, when the film has one, does not contain [starts_at, starts_at + duration]),
// "overlapping" (another premiere of the film overlaps it).
premiere schedule_premiere(database& db, std::int64_t film_id, const premiere_request& request,
                           std::optional<std::int64_t> created_by, std::int64_t now);
std::optional<premiere> find_premiere(database& db, std::int64_t id);
// A film's premieres, soonest first; `since_unix` leaves out those whose room closed before it.
std::vector<premiere> film_premieres(database& db, std::int64_t film_id, std::int64_t since_unix = 0);
// Every premiere, soonest first (organizers' list, statistics).
std::vector<premiere> all_premieres(database& db);
// Deletes a premiere and its room; throws not_found.
void cancel_premiere(database& db, std::int64_t id);
// A moderator ends the room now (ended phase); idempotent.
void close_premiere_room(database& db, std::int64_t id, std::int64_t now);
void set_premiere_slow_mode(database& db, std::int64_t id, int slow_seconds);
// Raises the recorded attendance to at least these figures (never lowers them: nodes write what they saw).
void record_premiere_attendance(database& db, std::int64_t id, std::int64_t peak, std::int64_t total);

const char* premiere_phase_name(premiere_phase phase);
// {id, film, starts_at, ends_at, room_closes_at, duration_seconds, qa_minutes, note, phase, slow_seconds,
//  attendance: {peak, total}} with phase as of `unix_now`.
nlohmann::json premiere_to_json(const premiere& p, std::int64_t unix_now);

}  // namespace festival::catalog
