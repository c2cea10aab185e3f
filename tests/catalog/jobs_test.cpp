#include <doctest/doctest.h>

#include <algorithm>

#include "catalog/database.hpp"
#include "catalog/film_json.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "catalog/schema.hpp"

#include "tests/support/catalog_before_step.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

namespace {

std::int64_t add_film(database& db, const std::string& slug) {
    return create_film(db, film_from_json({{"slug", slug}, {"original_title", slug}, {"category", "short"}})).id;
}

constexpr std::int64_t t0 = 1'800'000'000;
constexpr int lease = 30;

}  // namespace

TEST_CASE("an enqueued job keeps its source and subtitles and is listed newest first") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "a");
    const auto first = enqueue_job(db, film, "/data/uploads/1", {{"fr", "/data/uploads/1.fr.srt"}});
    const auto second = enqueue_job(db, film, "/data/uploads/2", {});
    const auto j = find_job(db, first);
    REQUIRE(j);
    CHECK(j->status == job_status::queued);
    CHECK(j->attempts == 0);
    REQUIRE(j->subtitles.size() == 1);
    CHECK(j->subtitles[0].lang == "fr");
    CHECK(j->subtitles[0].path == "/data/uploads/1.fr.srt");
    const auto listed = list_film_jobs(db, film);
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].id == second);
    CHECK(listed[1].id == first);
    CHECK_THROWS_AS(enqueue_job(db, 9999, "/x", {}), catalog_error);
}

TEST_CASE("the newest job of each film, for a page of films, in one query") {
    auto db = festival::test::open_fresh_catalog();
    const auto a = add_film(db, "a"), b = add_film(db, "b"), c = add_film(db, "c");
    enqueue_job(db, a, "/a1", {});
    const auto a2 = enqueue_job(db, a, "/a2", {});
    const auto b1 = enqueue_job(db, b, "/b1", {});
    const auto other = add_film(db, "d");
    enqueue_job(db, other, "/d1", {});  // not asked for
    const auto latest = latest_jobs(db, {a, b, c});
    REQUIRE(latest.size() == 2);  // c has none
    CHECK(latest.at(a).id == a2);
    CHECK(latest.at(a).source_path == "/a2");
    CHECK(latest.at(b).id == b1);
    CHECK(latest.count(other) == 0);
    CHECK(latest_jobs(db, {}).empty());
}

TEST_CASE("a job is claimed by one worker only, oldest first") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "a");
    const auto first = enqueue_job(db, film, "/a", {});
    const auto second = enqueue_job(db, film, "/b", {});
    const auto a = claim_job(db, "w1", lease, t0);
    const auto b = claim_job(db, "w2", lease, t0);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->id == first);
    CHECK(b->id == second);
    CHECK(a->status == job_status::running);
    CHECK(a->worker == "w1");
    CHECK(a->attempts == 1);
    CHECK(a->lease_until == t0 + lease);
    CHECK_FALSE(claim_job(db, "w3", lease, t0 + 1));
}

TEST_CASE("heartbeats renew the lease and record progress, an expired lease lets another worker take over") {
    auto db = festival::test::open_fresh_catalog();
    const auto id = enqueue_job(db, add_film(db, "a"), "/a", {});
    REQUIRE(claim_job(db, "w1", lease, t0));
    CHECK(heartbeat_job(db, id, "w1", {42.5, 61.0, 12.0}, lease, t0 + 20));
    auto j = find_job(db, id);
    CHECK(j->progress == doctest::Approx(42.5));
    CHECK(j->fps == doctest::Approx(61.0));
    CHECK(j->eta_seconds == doctest::Approx(12.0));
    CHECK(j->lease_until == t0 + 20 + lease);
    // Still leased at t0 + 40 thanks to the heartbeat.
    CHECK_FALSE(claim_job(db, "w2", lease, t0 + 40));
    // The worker died: after its lease, w2 takes the job and w1 can no longer report on it.
    const auto taken = claim_job(db, "w2", lease, t0 + 51);
    REQUIRE(taken);
    CHECK(taken->id == id);
    CHECK(taken->attempts == 2);
    CHECK(taken->progress == 0);
    CHECK_FALSE(heartbeat_job(db, id, "w1", {50, 1, std::nullopt}, lease, t0 + 52));
    CHECK_FALSE(finish_job(db, id, "w1"));
    CHECK(finish_job(db, id, "w2"));
}

TEST_CASE("finishing a job publishes it as the film's media version") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "a");
    const auto id = enqueue_job(db, film, "/a", {});
    CHECK_FALSE(find_film(db, film)->media_version);
    claim_job(db, "w1", lease, t0);
    CHECK(finish_job(db, id, "w1"));
    CHECK(find_film(db, film)->media_version == id);
    const auto j = find_job(db, id);
    CHECK(j->status == job_status::done);
    CHECK(j->progress == doctest::Approx(100));
    CHECK_FALSE(finish_job(db, id, "w1"));
}

TEST_CASE("an older job finishing after a newer one does not replace the newer version") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "a");
    const auto older = enqueue_job(db, film, "/a", {});
    const auto newer = enqueue_job(db, film, "/b", {});
    claim_job(db, "w1", lease, t0);
    claim_job(db, "w2", lease, t0);
    CHECK(finish_job(db, newer, "w2"));
    CHECK(finish_job(db, older, "w1"));
    CHECK(find_job(db, older)->status == job_status::done);
    CHECK(find_film(db, film)->media_version == newer);
}

TEST_CASE("a failed attempt is retried until the third, then the job stays failed with its reason") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "a");
    const auto id = enqueue_job(db, film, "/a", {});
    for (int attempt = 1; attempt <= 3; ++attempt) {
        const auto j = claim_job(db, "w1", lease, t0 + attempt);
        REQUIRE(j);
        CHECK(j->attempts == attempt);
        CHECK(fail_job(db, id, "w1", "encoder failed " + std::to_string(attempt), false));
        CHECK(find_job(db, id)->status == (attempt < 3 ? job_status::queued : job_status::failed));
    }
    CHECK_FALSE(claim_job(db, "w1", lease, t0 + 10));
    const auto j = find_job(db, id);
    CHECK(j->error == "encoder failed 3");
    CHECK_FALSE(find_film(db, film)->media_version);
}

TEST_CASE("a source that is not a film fails at once, without retries") {
    auto db = festival::test::open_fresh_catalog();
    const auto id = enqueue_job(db, add_film(db, "a"), "/a", {});
    claim_job(db, "w1", lease, t0);
    CHECK(fail_job(db, id, "w1", "not_a_film: this file is text", true));
    CHECK(find_job(db, id)->status == job_status::failed);
    CHECK(find_job(db, id)->attempts == 1);
}

TEST_CASE("a job whose worker keeps dying fails after the last allowed attempt") {
    auto db = festival::test::open_fresh_catalog();
    const auto id = enqueue_job(db, add_film(db, "a"), "/a", {});
    std::int64_t now = t0;
    for (int attempt = 1; attempt <= 3; ++attempt) {
        REQUIRE(claim_job(db, "w", lease, now));
        now += lease + 1;  // dies without a word
    }
    CHECK_FALSE(claim_job(db, "w", lease, now));
    const auto j = find_job(db, id);
    CHECK(j->status == job_status::failed);
    CHECK(j->error->find("stopped responding") != std::string::npos);
}

TEST_CASE("a released job goes back to the queue without spending an attempt") {
    auto db = festival::test::open_fresh_catalog();
    const auto id = enqueue_job(db, add_film(db, "a"), "/a", {});
    claim_job(db, "w1", lease, t0);
    CHECK(release_job(db, id, "w1"));
    auto j = find_job(db, id);
    CHECK(j->status == job_status::queued);
    CHECK(j->attempts == 0);
    CHECK(claim_job(db, "w2", lease, t0 + 1)->id == id);
}

TEST_CASE("a queued or running job can be cancelled, a finished one cannot") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "a");
    const auto queued = enqueue_job(db, film, "/a", {});
    CHECK(cancel_job(db, queued).status == job_status::cancelled);
    CHECK_FALSE(claim_job(db, "w1", lease, t0));

    const auto running = enqueue_job(db, film, "/b", {});
    claim_job(db, "w1", lease, t0);
    CHECK(cancel_job(db, running).status == job_status::cancelled);
    // The worker learns at its next heartbeat and cannot publish.
    CHECK_FALSE(heartbeat_job(db, running, "w1", {10, 1, std::nullopt}, lease, t0 + 1));
    CHECK_FALSE(finish_job(db, running, "w1"));
    CHECK_FALSE(find_film(db, film)->media_version);

    try {
        cancel_job(db, running);
        FAIL("expected a conflict");
    } catch (const catalog_error& e) {
        CHECK(e.kind() == error_kind::conflict);
    }
    CHECK_THROWS_AS(cancel_job(db, 424242), catalog_error);
}

TEST_CASE("a job's JSON shows its state for the curator") {
    auto db = festival::test::open_fresh_catalog();
    const auto id = enqueue_job(db, add_film(db, "a"), "/secret/path", {{"en", "/x.srt"}});
    const auto j = job_to_json(*find_job(db, id));
    CHECK(j["status"] == "queued");
    CHECK(j["subtitles"] == nlohmann::json::array({"en"}));
    CHECK(j["error"].is_null());
    CHECK(j.dump().find("/secret/path") == std::string::npos);
}

TEST_CASE("a new master of a published film waits as the pending version until a curator publishes it") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = create_film(db, film_from_json({{"slug", "a"}, {"original_title", "a"}, {"category", "short"},
                                                      {"published", true}}))
                          .id;
    const auto first = enqueue_job(db, film, "/masters/one.mov", {});
    claim_job(db, "w1", lease, t0);
    REQUIRE(finish_job(db, first, "w1"));
    CHECK(find_film(db, film)->media_version == first);  // the first version goes live at once
    // The same master again (new subtitles): straight to viewers, the old one kept as previous.
    const auto same = enqueue_job(db, film, "/masters/one.mov", {});
    claim_job(db, "w1", lease, t0);
    REQUIRE(finish_job(db, same, "w1"));
    CHECK(find_film(db, film)->media_version == same);
    CHECK(find_film(db, film)->previous_version == first);
    // Another master: pending.
    const auto other = enqueue_job(db, film, "/masters/two.mov", {});
    claim_job(db, "w1", lease, t0);
    REQUIRE(finish_job(db, other, "w1"));
    auto f = *find_film(db, film);
    CHECK(f.media_version == same);
    CHECK(f.pending_version == other);
    CHECK(versions_to_keep(db, film) == std::set<std::int64_t>{first, same, other});
    CHECK_THROWS(publish_pending_version(db, film, same));
    f = publish_pending_version(db, film, other);
    CHECK(f.media_version == other);
    CHECK(f.previous_version == same);
    CHECK_FALSE(f.pending_version);
    CHECK(f.version_switched_at);
    CHECK(versions_to_keep(db, film) == std::set<std::int64_t>{same, other});
}

TEST_CASE("a transcode job carries the film's audio tracks, and its JSON shows its kind") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "a");
    const auto id = enqueue_job(db, film, "/masters/one.mov", {},
                                {{4, "fr", "description", "Audiodescription", "/data/sources/1/audio/4.wav"},
                                 {5, "de", "dub", "", "/data/sources/1/audio/5.flac"}});
    const auto j = *find_job(db, id);
    CHECK(j.kind == "transcode");
    CHECK_FALSE(j.base_version);
    REQUIRE(j.audio_tracks.size() == 2);
    CHECK(j.audio_tracks[0].id == 4);
    CHECK(j.audio_tracks[0].lang == "fr");
    CHECK(j.audio_tracks[0].role == "description");
    CHECK(j.audio_tracks[0].name == "Audiodescription");
    CHECK(j.audio_tracks[1].path == "/data/sources/1/audio/5.flac");
    CHECK(job_to_json(j)["kind"] == "transcode");
    CHECK(job_to_json(j).dump().find("/data/sources") == std::string::npos);
    CHECK(find_job(db, enqueue_job(db, film, "/masters/one.mov", {}))->audio_tracks.empty());
    CHECK_THROWS_AS(enqueue_job(db, film, "/m", {}, {{1, "fr", "commentary", "", "/x.wav"}}), catalog_error);
    CHECK_THROWS_AS(enqueue_job(db, film, "/m", {}, {{1, "", "dub", "", "/x.wav"}}), catalog_error);
}

TEST_CASE("an audio job builds on a finished version of its film and replaces it like a re-packaging") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = create_film(db, film_from_json({{"slug", "a"}, {"original_title", "a"}, {"category", "short"},
                                                      {"published", true}}))
                          .id;
    const auto other_film = add_film(db, "b");
    const auto base = enqueue_job(db, film, "/masters/one.mov", {{"fr", "/fr.srt"}});
    const std::vector<audio_track_source> tracks = {{7, "fr", "description", "", "/data/sources/1/audio/7.wav"}};
    CHECK_THROWS_AS(enqueue_audio_job(db, film, base, tracks), catalog_error);  // not finished yet
    claim_job(db, "w1", lease, t0);
    REQUIRE(finish_job(db, base, "w1"));
    CHECK_THROWS_AS(enqueue_audio_job(db, other_film, base, tracks), catalog_error);  // another film's version
    CHECK_THROWS_AS(enqueue_audio_job(db, film, 9999, tracks), catalog_error);
    CHECK_THROWS_AS(enqueue_audio_job(db, film, base, {{7, "fr", "karaoke", "", "/x.wav"}}), catalog_error);

    const auto id = enqueue_audio_job(db, film, base, tracks);
    const auto j = *find_job(db, id);
    CHECK(j.kind == "audio");
    CHECK(j.base_version == base);
    CHECK(j.source_path == "/masters/one.mov");
    REQUIRE(j.audio_tracks.size() == 1);
    CHECK(j.audio_tracks[0].id == 7);
    CHECK(job_to_json(j)["kind"] == "audio");
    // Claimed and finished like any job: the same master, so it is current at once (not pending).
    const auto claimed = claim_job(db, "w1", lease, t0);
    REQUIRE(claimed);
    CHECK(claimed->id == id);
    CHECK(claimed->kind == "audio");
    REQUIRE(finish_job(db, id, "w1"));
    const auto f = *find_film(db, film);
    CHECK(f.media_version == id);
    CHECK(f.previous_version == base);
    CHECK_FALSE(f.pending_version);
    // And an empty list of tracks (the last one deleted) is a job too.
    CHECK(find_job(db, enqueue_audio_job(db, film, id, {}))->audio_tracks.empty());
}

// A migration from an older SQLite catalog: SQLite only.
TEST_CASE("jobs queued before audio jobs existed read as transcode jobs without audio tracks") {
    database db(":memory:");
    festival::test::migrate_to_before_step(db, "ADD COLUMN audio_tracks");
    // A film row as that catalog held it (the film readers of today know later tables).
    db.exec("INSERT INTO films (slug, original_title, category) VALUES ('old', 'Old', 'documentary')");
    const auto film = db.last_insert_rowid();
    db.exec("INSERT INTO jobs (film_id, source_path, subtitles) VALUES (" + std::to_string(film) +
            ", '/masters/old.mov', '[{\"lang\":\"fr\",\"path\":\"/fr.srt\"}]')");
    migrate(db);
    const auto jobs = list_film_jobs(db, film);
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].kind == "transcode");
    CHECK(jobs[0].source_path == "/masters/old.mov");
    CHECK(jobs[0].subtitles.size() == 1);
    CHECK(jobs[0].audio_tracks.empty());
    CHECK_FALSE(jobs[0].base_version);
    CHECK_THROWS(db.exec("UPDATE jobs SET kind = 'remux'"));  // the CHECK holds on migrated catalogs too
}
