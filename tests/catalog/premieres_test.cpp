// Premieres in the catalog: scheduling and its refusals, the phases of the screening clock, the
// organizers' list, cancelling with the room, closing, slow mode and attendance (both engines).
#include <doctest/doctest.h>

#include <string>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/inserted_id.hpp"
#include "catalog/premieres.hpp"

#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

namespace {

std::int64_t at(const char* utc) { return parse_utc(utc).value(); }

const std::int64_t now = at("2026-11-01T12:00:00Z");

// A film with a published version (the version's manifest is the caller's: its duration comes in the request).
std::int64_t add_film(database& db, const std::string& slug, bool with_version = true) {
    auto insert = db.prepare(
        "INSERT INTO films (slug, original_title, category, published) VALUES (?1, 'T', 'short', 1) RETURNING id");
    insert.bind(1, slug);
    const auto id = inserted_id(insert);
    if (with_version) db.prepare("UPDATE films SET media_version = 7 WHERE id = ?1").bind(1, id).run();
    return id;
}

premiere_request request(const std::string& starts_at, double duration = 5400, int qa_minutes = 60) {
    premiere_request r;
    r.starts_at = starts_at;
    r.qa_minutes = qa_minutes;
    r.duration_seconds = duration;
    return r;
}

std::string refusal(database& db, std::int64_t film, const premiere_request& r) {
    try {
        schedule_premiere(db, film, r, std::nullopt, now);
    } catch (const catalog_error& e) {
        return e.code();
    }
    return "accepted";
}

}  // namespace

TEST_CASE("a premiere is stored in UTC with its film's duration, and its phases follow the screening clock") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "la-seance");
    auto r = request("2026-12-01T20:00:00+01:00", 5400.4, 30);
    r.note = "avec la réalisatrice";
    const auto p = schedule_premiere(db, film, r, std::nullopt, now);
    CHECK(p.id > 0);
    CHECK(p.film_id == film);
    CHECK(p.film_slug == "la-seance");
    CHECK(p.starts_at == "2026-12-01T19:00:00Z");
    CHECK(p.duration_seconds == doctest::Approx(5400.4));
    CHECK(p.qa_minutes == 30);
    CHECK(p.note == "avec la réalisatrice");
    CHECK(p.created_at == format_utc(now));
    CHECK_FALSE(p.closed_at);

    const auto starts = at("2026-12-01T19:00:00Z");
    CHECK(p.starts_at_unix() == starts);
    CHECK(p.ends_at_unix() == starts + 5401);  // the whole last fraction of a second is screened
    CHECK(p.room_closes_unix() == starts + 5401 + 30 * 60);
    CHECK(p.phase_at(starts - 1) == premiere_phase::scheduled);
    CHECK(p.phase_at(starts) == premiere_phase::screening);
    CHECK(p.phase_at(starts + 5400) == premiere_phase::screening);
    CHECK(p.phase_at(starts + 5401) == premiere_phase::questions);
    CHECK(p.phase_at(starts + 5401 + 30 * 60 - 1) == premiere_phase::questions);
    CHECK(p.phase_at(starts + 5401 + 30 * 60) == premiere_phase::ended);

    const auto j = premiere_to_json(p, starts + 60);
    CHECK(j["id"] == p.id);
    CHECK(j["film"] == "la-seance");
    CHECK(j["film_id"] == film);
    CHECK(j["starts_at"] == "2026-12-01T19:00:00Z");
    CHECK(j["ends_at"] == "2026-12-01T20:30:01Z");
    CHECK(j["room_closes_at"] == "2026-12-01T21:00:01Z");
    CHECK(j["phase"] == "screening");
    CHECK(j["qa_minutes"] == 30);
    CHECK(j["note"] == "avec la réalisatrice");
    CHECK(j["slow_seconds"] == 0);
    CHECK(j["attendance"] == nlohmann::json{{"peak", 0}, {"total", 0}});

    const auto found = find_premiere(db, p.id);
    REQUIRE(found);
    CHECK(found->starts_at == p.starts_at);
    CHECK_FALSE(find_premiere(db, p.id + 100));
}

TEST_CASE("scheduling refuses a time no instant, the past, a film without version, outside its window, overlaps") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "a");
    for (const char* bad : {"", "tomorrow", "2026-12-01", "2026-12-01T20:00:00", "2026-12-01 20:00:00Z",
                            "2026-12-01T25:00:00Z", "2026-12-01T20:00:00+1", "2026-12-01T20:00:00Z junk"})
        CHECK_MESSAGE(refusal(db, film, request(bad)) == "invalid_time", bad);
    CHECK(refusal(db, film, request("2026-11-01T11:59:59Z")) == "in_the_past");
    CHECK(refusal(db, add_film(db, "now"), request("2026-11-01T13:00:00+01:00")) == "accepted");  // 12:00 UTC: now
    CHECK(refusal(db, film, request("2026-11-01T14:00:00+02:00", 5400, -1)) == "invalid_qa_minutes");
    CHECK(refusal(db, film, request("2026-11-01T14:00:00+02:00", 5400, 1441)) == "invalid_qa_minutes");
    auto noisy = request("2026-12-05T20:00:00Z");
    noisy.note = std::string(501, 'n');
    CHECK(refusal(db, film, noisy) == "too_long");
    CHECK(refusal(db, film + 100, request("2026-12-05T20:00:00Z")) == "film_not_found");

    // No published version: nothing to screen. A version without a stated duration falls back on the
    // film's runtime, and without one either it cannot be scheduled.
    const auto draft = add_film(db, "draft", false);
    CHECK(refusal(db, draft, request("2026-12-05T20:00:00Z")) == "no_version");
    const auto silent = add_film(db, "silent");
    CHECK(refusal(db, silent, request("2026-12-05T20:00:00Z", 0)) == "no_version");
    db.prepare("UPDATE films SET runtime_minutes = 95 WHERE id = ?1").bind(1, silent).run();
    auto by_runtime = request("2026-12-05T20:00:00Z");
    by_runtime.duration_seconds.reset();
    CHECK(schedule_premiere(db, silent, by_runtime, std::nullopt, now).duration_seconds == doctest::Approx(95 * 60));

    // The screening window holds the whole film: not before it opens, not ending after it closes.
    const auto windowed = add_film(db, "windowed");
    db.prepare("UPDATE films SET available_from = '2026-12-01T00:00:00Z', available_until = '2026-12-10T00:00:00Z' "
               "WHERE id = ?1")
        .bind(1, windowed)
        .run();
    CHECK(refusal(db, windowed, request("2026-11-30T23:59:59Z", 60)) == "outside_window");
    CHECK(refusal(db, windowed, request("2026-12-09T23:00:00Z", 3601)) == "outside_window");
    CHECK(refusal(db, windowed, request("2026-12-09T23:00:00Z", 3600)) == "accepted");  // ends as the window closes
    CHECK(refusal(db, windowed, request("2026-12-01T00:00:00+00:00", 60)) == "accepted");  // opens with it

    // Overlaps: the film and its Q&A (5400 s + 60 min) of one premiere against another of the same film.
    CHECK(refusal(db, film, request("2026-12-01T20:00:00Z")) == "accepted");
    CHECK(refusal(db, film, request("2026-12-01T22:29:59Z")) == "overlapping");
    CHECK(refusal(db, film, request("2026-12-01T18:00:00Z")) == "overlapping");  // its Q&A runs into the other
    CHECK(refusal(db, film, request("2026-12-01T22:30:00Z")) == "accepted");     // right after the room closes
    CHECK(refusal(db, film, request("2026-12-01T17:30:00Z")) == "accepted");     // right before
    CHECK(refusal(db, add_film(db, "other"), request("2026-12-01T20:00:00Z")) == "accepted");
    CHECK(film_premieres(db, film).size() == 3);
}

TEST_CASE("a film's premieres and every premiere come soonest first, closed rooms are left out after they close") {
    auto db = festival::test::open_fresh_catalog();
    const auto a = add_film(db, "a"), b = add_film(db, "b");
    const auto later = schedule_premiere(db, a, request("2026-12-03T20:00:00Z", 3600, 0), std::nullopt, now);
    const auto sooner = schedule_premiere(db, a, request("2026-12-01T20:00:00Z", 3600, 0), std::nullopt, now);
    const auto of_b = schedule_premiere(db, b, request("2026-12-02T20:00:00Z", 3600, 0), std::nullopt, now);

    auto ids = [](const std::vector<premiere>& list) {
        std::vector<std::int64_t> out;
        for (const auto& p : list) out.push_back(p.id);
        return out;
    };
    CHECK(ids(film_premieres(db, a)) == std::vector<std::int64_t>{sooner.id, later.id});
    CHECK(ids(all_premieres(db)) == std::vector<std::int64_t>{sooner.id, of_b.id, later.id});
    // Once the first one's room closed (21:00), only the later one is upcoming.
    CHECK(ids(film_premieres(db, a, at("2026-12-01T21:00:01Z"))) == std::vector<std::int64_t>{later.id});
    CHECK(ids(film_premieres(db, a, at("2026-12-01T21:00:00Z"))) == std::vector<std::int64_t>{sooner.id, later.id});
}

TEST_CASE("cancelling a premiere deletes its room, closing ends it at once and frees the slot") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "a");
    const auto p = schedule_premiere(db, film, request("2026-12-01T20:00:00Z"), std::nullopt, now);
    db.prepare("INSERT INTO room_messages (premiere_id, seq, kind, participant, display_name, text, said_at) "
               "VALUES (?1, 1, 'question', 'h', 'Ana', 'Why?', '2026-12-01T21:40:00Z')")
        .bind(1, p.id)
        .run();
    db.prepare("INSERT INTO room_votes (premiere_id, seq, participant) VALUES (?1, 1, 'h')").bind(1, p.id).run();

    cancel_premiere(db, p.id);
    CHECK_FALSE(find_premiere(db, p.id));
    auto left = db.prepare("SELECT count(*) AS n FROM room_messages WHERE premiere_id = ?1");
    left.bind(1, p.id);
    REQUIRE(left.step());
    CHECK(left.int64("n") == 0);
    try {
        cancel_premiere(db, p.id);
        FAIL("cancelled twice");
    } catch (const catalog_error& e) {
        CHECK(e.kind() == error_kind::not_found);
        CHECK(e.code() == "premiere_not_found");
    }

    const auto again = schedule_premiere(db, film, request("2026-12-01T20:00:00Z"), std::nullopt, now);
    const auto starts = again.starts_at_unix();
    close_premiere_room(db, again.id, starts + 100);
    close_premiere_room(db, again.id, starts + 200);  // idempotent: the first closing stands
    const auto closed = find_premiere(db, again.id).value();
    CHECK(closed.closed_at == format_utc(starts + 100));
    CHECK(closed.room_closes_unix() == starts + 100);
    CHECK(closed.phase_at(starts + 150) == premiere_phase::ended);
    CHECK(premiere_to_json(closed, starts + 150)["phase"] == "ended");
    CHECK(refusal(db, film, request("2026-12-01T20:01:40Z")) == "accepted");  // when it closed
    CHECK_THROWS_AS(close_premiere_room(db, again.id + 100, starts), catalog_error);
}

TEST_CASE("slow mode is bounded, attendance only ever rises") {
    auto db = festival::test::open_fresh_catalog();
    const auto p = schedule_premiere(db, add_film(db, "a"), request("2026-12-01T20:00:00Z"), std::nullopt, now);
    set_premiere_slow_mode(db, p.id, 30);
    CHECK(find_premiere(db, p.id)->slow_seconds == 30);
    CHECK_THROWS_AS(set_premiere_slow_mode(db, p.id, 301), catalog_error);
    CHECK_THROWS_AS(set_premiere_slow_mode(db, p.id, -1), catalog_error);
    CHECK(find_premiere(db, p.id)->slow_seconds == 30);

    record_premiere_attendance(db, p.id, 40, 90);
    record_premiere_attendance(db, p.id, 25, 120);  // another node saw fewer at once, more in all
    const auto seen = find_premiere(db, p.id).value();
    CHECK(seen.peak_participants == 40);
    CHECK(seen.total_participants == 120);
    CHECK(premiere_to_json(seen, now)["attendance"] == nlohmann::json{{"peak", 40}, {"total", 120}});
}
