#include "catalog/uploads.hpp"

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"

namespace festival::catalog {
namespace {

// The uploads table's columns, read by name in read_upload_row: the one place an upload row is mapped.
// "offset" is quoted everywhere: a reserved word in PostgreSQL.
constexpr const char* upload_columns =
    "id, film_id, user_id, length, \"offset\", metadata, filename, status, error, job_id, last_checksum, "
    "expires_at, created_at, updated_at";

upload read_upload_row(statement& st) {
    upload u;
    u.id = st.text("id");
    u.film_id = st.int64("film_id");
    u.user_id = st.int64("user_id");
    u.length = st.int64("length");
    u.offset = st.int64("offset");
    u.metadata = st.text("metadata");
    u.filename = st.text("filename");
    u.status = upload_status_from_string(st.text("status")).value_or(upload_status::failed);  // the schema CHECKs it
    u.error = st.optional_text("error");
    u.job_id = st.optional_int64("job_id");
    u.last_checksum = st.optional_text("last_checksum");
    u.expires_at = st.int64("expires_at");
    u.created_at = st.text("created_at");
    u.updated_at = st.text("updated_at");
    return u;
}

std::vector<upload> read_all(statement& st) {
    std::vector<upload> found;
    while (st.step()) found.push_back(read_upload_row(st));
    return found;
}

}  // namespace

const char* to_string(upload_status s) {
    switch (s) {
        case upload_status::receiving: return "receiving";
        case upload_status::done: return "done";
        case upload_status::failed: return "failed";
    }
    return "failed";
}

std::optional<upload_status> upload_status_from_string(const std::string& text) {
    for (auto s : {upload_status::receiving, upload_status::done, upload_status::failed})
        if (text == to_string(s)) return s;
    return std::nullopt;
}

void create_upload(database& db, const upload& u) {
    if (u.length < 0) throw invalid("invalid_upload_length", "an upload's length cannot be negative");
    transaction tx(db);
    if (find_upload(db, u.id)) throw conflict("upload_exists", "upload " + u.id + " exists");
    // created_seq orders uploads made within the same second (ids are random): the next number, under
    // the catalog's write lock.
    auto st = db.prepare(
        "INSERT INTO uploads (id, film_id, user_id, length, \"offset\", metadata, filename, status, expires_at, "
        "created_at, updated_at, created_seq) VALUES (:id, :film, :user, :length, :offset, :metadata, :filename, "
        ":status, :expires_at, :now, :now, (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM uploads))");
    st.bind(":id", u.id).bind(":film", u.film_id).bind(":user", u.user_id).bind(":length", u.length);
    st.bind(":offset", u.offset).bind(":metadata", u.metadata).bind(":filename", u.filename);
    st.bind(":status", to_string(u.status)).bind(":expires_at", u.expires_at).bind(":now", utc_now()).run();
    tx.commit();
}

std::optional<upload> find_upload(database& db, const std::string& id) {
    auto st = db.prepare(std::string("SELECT ") + upload_columns + " FROM uploads WHERE id = ?1");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return read_upload_row(st);
}

void record_upload_offset(database& db, const std::string& id, std::int64_t offset, std::int64_t expires_at,
                          const std::optional<std::string>& checksum) {
    auto st = db.prepare(
        "UPDATE uploads SET \"offset\" = ?1, expires_at = ?2, last_checksum = COALESCE(?3, last_checksum), "
        "updated_at = ?4 WHERE id = ?5");
    st.bind(1, offset).bind(2, expires_at).bind(3, checksum).bind(4, utc_now()).bind(5, id).run();
    if (db.changes() == 0) throw not_found("upload_not_found", "no upload " + id);
}

void finish_upload(database& db, const std::string& id, upload_status status,
                   const std::optional<std::string>& error, std::optional<std::int64_t> job_id) {
    auto st = db.prepare("UPDATE uploads SET status = ?1, error = ?2, job_id = ?3, updated_at = ?4 WHERE id = ?5");
    st.bind(1, to_string(status)).bind(2, error).bind(3, job_id).bind(4, utc_now()).bind(5, id).run();
    if (db.changes() == 0) throw not_found("upload_not_found", "no upload " + id);
}

void delete_upload(database& db, const std::string& id) {
    auto st = db.prepare("DELETE FROM uploads WHERE id = ?1");
    st.bind(1, id).run();
}

std::vector<upload> list_expired_uploads(database& db, std::int64_t now) {
    // A done upload has handed its file over to a job; only its record remains, kept for history.
    auto st = db.prepare(std::string("SELECT ") + upload_columns +
                         " FROM uploads WHERE status <> 'done' AND expires_at <= ?1 ORDER BY expires_at");
    st.bind(1, now);
    return read_all(st);
}

std::vector<upload> list_unprocessed_complete_uploads(database& db) {
    auto st = db.prepare(std::string("SELECT ") + upload_columns +
                         " FROM uploads WHERE status = 'receiving' AND \"offset\" = length ORDER BY created_seq");
    return read_all(st);
}

std::int64_t reserved_upload_bytes(database& db, std::int64_t now, const std::string& except_id) {
    auto st = db.prepare(
        "SELECT COALESCE(SUM(length - \"offset\"), 0) FROM uploads "
        "WHERE status = 'receiving' AND expires_at > ?1 AND id <> ?2");
    st.bind(1, now).bind(2, except_id);
    st.step();
    return st.int64(0);
}

std::vector<upload> list_film_uploads(database& db, std::int64_t film_id) {
    auto st = db.prepare(std::string("SELECT ") + upload_columns +
                         " FROM uploads WHERE film_id = ?1 ORDER BY created_seq DESC");
    st.bind(1, film_id);
    return read_all(st);
}

nlohmann::json upload_to_json(const upload& u) {
    return {{"id", u.id},
            {"film_id", u.film_id},
            {"length", u.length},
            {"offset", u.offset},
            {"filename", u.filename},
            {"status", to_string(u.status)},
            {"error", u.error ? nlohmann::json(*u.error) : nlohmann::json(nullptr)},
            {"job_id", u.job_id ? nlohmann::json(*u.job_id) : nlohmann::json(nullptr)},
            {"expires_at", format_utc(u.expires_at)},
            {"created_at", u.created_at},
            {"updated_at", u.updated_at}};
}

std::int64_t start_server_job(database& db, std::int64_t film_id, const std::string& source_path,
                              const std::vector<subtitle_source>& subtitles, const std::string& worker,
                              std::int64_t lease_until) {
    transaction tx(db);
    const auto id = enqueue_job(db, film_id, source_path, subtitles);
    auto st = db.prepare(
        "UPDATE jobs SET status = 'running', worker = ?1, attempts = 1, lease_until = ?2, updated_at = ?3 "
        "WHERE id = ?4 AND status = 'queued'");
    st.bind(1, worker).bind(2, lease_until).bind(3, utc_now()).bind(4, id).run();
    tx.commit();
    return id;
}

}  // namespace festival::catalog
