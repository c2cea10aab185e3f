#include "catalog/jobs.hpp"

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/films.hpp"
#include "catalog/inserted_id.hpp"
#include "catalog/sql_lists.hpp"

namespace festival::catalog {
namespace {

// The jobs table's columns, read by name in read_job_row: the one place a job row is mapped.
constexpr const char* job_columns =
    "id, film_id, kind, source_path, subtitles, base_version, audio_tracks, status, progress, fps, eta_seconds, "
    "attempts, error, worker, lease_until, created_at, updated_at";

std::string subtitles_text(const std::vector<subtitle_source>& subtitles) {
    auto list = nlohmann::json::array();
    for (const auto& s : subtitles) list.push_back({{"lang", s.lang}, {"path", s.path}});
    return list.dump();
}

std::string audio_tracks_text(const std::vector<audio_track_source>& tracks) {
    auto list = nlohmann::json::array();
    for (const auto& t : tracks)
        list.push_back({{"id", t.id}, {"lang", t.lang}, {"role", t.role}, {"name", t.name}, {"path", t.path}});
    return list.dump();
}

void check_audio_tracks(const std::vector<audio_track_source>& tracks) {
    for (const auto& t : tracks) {
        if (t.lang.empty() || t.path.empty()) throw invalid("invalid_audio_track", "an audio track needs a language and a file");
        if (t.role != "description" && t.role != "dub")
            throw invalid("invalid_audio_track", "an audio track's role is description or dub");
    }
}

job read_job_row(statement& st) {
    job j;
    j.id = st.int64("id");
    j.film_id = st.int64("film_id");
    j.kind = st.text("kind");
    j.source_path = st.text("source_path");
    for (const auto& s : nlohmann::json::parse(st.text("subtitles")))
        j.subtitles.push_back({s.at("lang").get<std::string>(), s.at("path").get<std::string>()});
    j.base_version = st.optional_int64("base_version");
    for (const auto& t : nlohmann::json::parse(st.text("audio_tracks")))
        j.audio_tracks.push_back({t.value("id", std::int64_t{0}), t.at("lang").get<std::string>(),
                                  t.at("role").get<std::string>(), t.value("name", std::string()),
                                  t.at("path").get<std::string>()});
    j.status = job_status_from_string(st.text("status")).value_or(job_status::failed);  // the schema CHECKs it
    j.progress = st.real("progress");
    j.fps = st.real("fps");
    if (!st.is_null("eta_seconds")) j.eta_seconds = st.real("eta_seconds");
    j.attempts = static_cast<int>(st.int64("attempts"));
    j.error = st.optional_text("error");
    j.worker = st.optional_text("worker");
    j.lease_until = st.optional_int64("lease_until");
    j.created_at = st.text("created_at");
    j.updated_at = st.text("updated_at");
    return j;
}

// Where a finished job's version goes. Nowhere when a newer version is already current (a job started
// earlier that finishes later). Pending when it comes from a new master of a published film that has a
// current version: viewers get it only once a curator has previewed and published it. Current
// otherwise (a film's first version, an unpublished film, the same master re-encoded or re-packaged),
// the version it replaces staying the previous one for the grace period.
void place_finished_version(database& db, const job& done) {
    const auto f = find_film(db, done.film_id);
    if (!f || (f->media_version && *f->media_version >= done.id)) return;
    bool new_master = false;
    if (f->published && f->media_version) {
        const auto current = find_job(db, *f->media_version);
        new_master = !current || current->source_path != done.source_path;
    }
    if (new_master) {
        auto pend = db.prepare(
            "UPDATE films SET pending_version = ?1, updated_at = ?2 WHERE id = ?3 "
            "AND (pending_version IS NULL OR pending_version < ?1)");
        pend.bind(1, done.id).bind(2, utc_now()).bind(3, done.film_id).run();
        return;
    }
    auto publish = db.prepare(
        "UPDATE films SET previous_version = media_version, media_version = ?1, version_switched_at = ?2, "
        "updated_at = ?3 WHERE id = ?4");
    publish.bind(1, done.id).bind(2, unix_now()).bind(3, utc_now()).bind(4, done.film_id).run();
}

}  // namespace

const char* to_string(job_status s) {
    switch (s) {
        case job_status::queued: return "queued";
        case job_status::running: return "running";
        case job_status::done: return "done";
        case job_status::failed: return "failed";
        case job_status::cancelled: return "cancelled";
    }
    return "queued";
}

std::optional<job_status> job_status_from_string(const std::string& text) {
    for (auto s : {job_status::queued, job_status::running, job_status::done, job_status::failed, job_status::cancelled})
        if (text == to_string(s)) return s;
    return std::nullopt;
}

std::int64_t enqueue_job(database& db, std::int64_t film_id, const std::string& source_path,
                         const std::vector<subtitle_source>& subtitles,
                         const std::vector<audio_track_source>& audio_tracks) {
    if (source_path.empty()) throw invalid("invalid_source", "a job needs a source file");
    for (const auto& s : subtitles)
        if (s.lang.empty() || s.path.empty()) throw invalid("invalid_subtitle", "a subtitle needs a language and a file");
    check_audio_tracks(audio_tracks);
    auto exists = db.prepare("SELECT 1 FROM films WHERE id = ?1");
    exists.bind(1, film_id);
    if (!exists.step()) throw not_found("film_not_found", "no film " + std::to_string(film_id));
    auto st = db.prepare("INSERT INTO jobs (film_id, source_path, subtitles, audio_tracks, created_at, updated_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");
    const auto now = utc_now();
    st.bind(1, film_id).bind(2, source_path).bind(3, subtitles_text(subtitles)).bind(4, audio_tracks_text(audio_tracks))
        .bind(5, now).bind(6, now);
    return inserted_id(st);
}

std::int64_t enqueue_audio_job(database& db, std::int64_t film_id, std::int64_t base_version,
                               const std::vector<audio_track_source>& audio_tracks) {
    check_audio_tracks(audio_tracks);
    transaction tx(db);
    // The base is a version the film has: a finished job of this film (its folder is v<job>).
    const auto base = find_job(db, base_version);
    if (!base || base->film_id != film_id || base->status != job_status::done)
        throw not_found("version_not_found", "film " + std::to_string(film_id) + " has no version " +
                                                 std::to_string(base_version));
    // The base's master and subtitles: the new version is the same film re-packaged, so it replaces
    // the base the way a re-packaging does (current, unless a new master waits for its preview).
    auto st = db.prepare("INSERT INTO jobs (film_id, kind, source_path, subtitles, base_version, audio_tracks, "
                         "created_at, updated_at) VALUES (?1, 'audio', ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id");
    const auto now = utc_now();
    st.bind(1, film_id).bind(2, base->source_path).bind(3, subtitles_text(base->subtitles)).bind(4, base_version)
        .bind(5, audio_tracks_text(audio_tracks)).bind(6, now).bind(7, now);
    const auto id = inserted_id(st);
    tx.commit();
    return id;
}

std::optional<job> find_job(database& db, std::int64_t id) {
    auto st = db.prepare(std::string("SELECT ") + job_columns + " FROM jobs WHERE id = ?1");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return read_job_row(st);
}

std::vector<job> list_film_jobs(database& db, std::int64_t film_id) {
    auto st = db.prepare(std::string("SELECT ") + job_columns + " FROM jobs WHERE film_id = ?1 ORDER BY id DESC");
    st.bind(1, film_id);
    std::vector<job> jobs;
    while (st.step()) jobs.push_back(read_job_row(st));
    return jobs;
}

std::map<std::int64_t, job> latest_jobs(database& db, const std::vector<std::int64_t>& film_ids) {
    std::map<std::int64_t, job> latest;
    if (film_ids.empty()) return latest;
    auto st = db.prepare(std::string("SELECT ") + job_columns +
                         " FROM jobs WHERE id IN (SELECT MAX(id) FROM jobs WHERE film_id IN (" +
                         ids_subquery(db, ":ids") + ") GROUP BY film_id)");
    st.bind(":ids", ids_json(film_ids));
    while (st.step()) {
        auto j = read_job_row(st);
        const auto film_id = j.film_id;
        latest.emplace(film_id, std::move(j));
    }
    return latest;
}

std::optional<job> claim_job(database& db, const std::string& worker, int lease_seconds, std::int64_t now,
                             const std::string& only_kind) {
    // On PostgreSQL the claim takes row locks only, not the catalog's write lock: both statements
    // are safe under concurrent claims by themselves (the first re-checks each row it waits for, the
    // second skips rows another claim holds), so workers on several hosts never queue behind each
    // other or behind the nodes' writes.
    transaction tx(db, write_lock::rows);
    const auto stamp = utc_now();
    // A worker that died on the last allowed attempt leaves a job nobody should retry forever.
    auto give_up = db.prepare(
        "UPDATE jobs SET status = 'failed', worker = NULL, lease_until = NULL, updated_at = ?1, "
        "error = COALESCE(error || '; ', '') || 'the transcoder stopped responding' "
        "WHERE status = 'running' AND lease_until < ?2 AND attempts >= ?3");
    give_up.bind(1, stamp).bind(2, now).bind(3, max_attempts).run();
    // One statement picks and takes the job, so two workers can never claim the same one (SQLite: the
    // write transaction; PostgreSQL: the row lock, with rows other claims hold skipped).
    const char* lock_row = db.dialect() == sql_dialect::postgresql ? " FOR UPDATE SKIP LOCKED" : "";
    auto st = db.prepare(
        std::string("UPDATE jobs SET status = 'running', worker = ?1, lease_until = ?2, attempts = attempts + 1, "
                    "progress = 0, fps = 0, eta_seconds = NULL, updated_at = ?3 "
                    "WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' "
                    "OR (status = 'running' AND lease_until < ?4)) AND (?5 = '' OR kind = ?5) ORDER BY id LIMIT 1") +
        lock_row + ") RETURNING " + job_columns);
    st.bind(1, worker).bind(2, now + lease_seconds).bind(3, stamp).bind(4, now).bind(5, only_kind);
    std::optional<job> claimed;
    if (st.step()) {
        claimed = read_job_row(st);
        st.step();  // runs the statement to its end (one row at most)
    }
    tx.commit();
    return claimed;
}

bool heartbeat_job(database& db, std::int64_t id, const std::string& worker, const job_progress& progress,
                   int lease_seconds, std::int64_t now) {
    auto st = db.prepare(
        "UPDATE jobs SET progress = ?1, fps = ?2, eta_seconds = ?3, lease_until = ?4, updated_at = ?5 "
        "WHERE id = ?6 AND status = 'running' AND worker = ?7");
    st.bind(1, progress.percent).bind(2, progress.fps).bind(3, progress.eta_seconds).bind(4, now + lease_seconds)
        .bind(5, utc_now()).bind(6, id).bind(7, worker).run();
    return db.changes() == 1;
}

bool finish_job(database& db, std::int64_t id, const std::string& worker) {
    transaction tx(db);
    auto st = db.prepare(
        "UPDATE jobs SET status = 'done', progress = 100, eta_seconds = 0, lease_until = NULL, error = NULL, "
        "updated_at = ?1 WHERE id = ?2 AND status = 'running' AND worker = ?3");
    st.bind(1, utc_now()).bind(2, id).bind(3, worker).run();
    if (db.changes() != 1) return false;
    place_finished_version(db, *find_job(db, id));
    tx.commit();
    return true;
}

bool fail_job(database& db, std::int64_t id, const std::string& worker, const std::string& reason, bool permanent) {
    auto st = db.prepare(
        "UPDATE jobs SET status = CASE WHEN ?1 = 1 OR attempts >= ?2 THEN 'failed' ELSE 'queued' END, "
        "error = ?3, worker = NULL, lease_until = NULL, fps = 0, eta_seconds = NULL, updated_at = ?4 "
        "WHERE id = ?5 AND status = 'running' AND worker = ?6");
    st.bind(1, permanent ? 1 : 0).bind(2, max_attempts).bind(3, reason).bind(4, utc_now()).bind(5, id).bind(6, worker).run();
    return db.changes() == 1;
}

bool release_job(database& db, std::int64_t id, const std::string& worker) {
    auto st = db.prepare(
        "UPDATE jobs SET status = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
        "worker = NULL, lease_until = NULL, progress = 0, fps = 0, eta_seconds = NULL, updated_at = ?1 "
        "WHERE id = ?2 AND status = 'running' AND worker = ?3");
    st.bind(1, utc_now()).bind(2, id).bind(3, worker).run();
    return db.changes() == 1;
}

job cancel_job(database& db, std::int64_t id) {
    transaction tx(db);
    auto current = find_job(db, id);
    if (!current) throw not_found("job_not_found", "no job " + std::to_string(id));
    if (current->finished())
        throw conflict("job_finished", "job " + std::to_string(id) + " is already " + to_string(current->status));
    auto st = db.prepare(
        "UPDATE jobs SET status = 'cancelled', worker = NULL, lease_until = NULL, fps = 0, eta_seconds = NULL, "
        "updated_at = ?1 WHERE id = ?2");
    st.bind(1, utc_now()).bind(2, id).run();
    auto cancelled = find_job(db, id);
    tx.commit();
    return *cancelled;
}

nlohmann::json job_to_json(const job& j) {
    auto subtitles = nlohmann::json::array();
    for (const auto& s : j.subtitles) subtitles.push_back(s.lang);
    return {{"id", j.id},
            {"film_id", j.film_id},
            {"kind", j.kind},
            {"status", to_string(j.status)},
            {"progress", j.progress},
            {"fps", j.fps},
            {"eta_seconds", j.eta_seconds ? nlohmann::json(*j.eta_seconds) : nlohmann::json(nullptr)},
            {"attempts", j.attempts},
            {"max_attempts", max_attempts},
            {"error", j.error ? nlohmann::json(*j.error) : nlohmann::json(nullptr)},
            {"worker", j.worker ? nlohmann::json(*j.worker) : nlohmann::json(nullptr)},
            {"subtitles", subtitles},
            {"created_at", j.created_at},
            {"updated_at", j.updated_at}};
}

job_queue_figures job_queue_summary(database& db) {
    job_queue_figures figures;
    for (auto s : {job_status::queued, job_status::running, job_status::done, job_status::failed, job_status::cancelled})
        figures.by_status[s] = 0;
    auto counts = db.prepare("SELECT status, COUNT(*) AS jobs, COALESCE(SUM(fps), 0) AS fps FROM jobs GROUP BY status");
    while (counts.step()) {
        const auto status = job_status_from_string(counts.text("status"));
        if (!status) continue;
        figures.by_status[*status] = counts.int64("jobs");
        if (*status == job_status::running) figures.running_fps = counts.real("fps");
    }
    auto done = db.prepare(
        "SELECT COUNT(*) AS jobs, AVG(fps) AS fps FROM "
        "(SELECT fps FROM jobs WHERE status = 'done' AND fps > 0 ORDER BY id DESC LIMIT 20) AS recent");
    if (done.step() && done.int64("jobs") > 0) figures.recent_done_fps = done.real("fps");
    return figures;
}

}  // namespace festival::catalog
