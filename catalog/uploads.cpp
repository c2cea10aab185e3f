#include "catalog/uploads.hpp"

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"

namespace festival::catalog {
namespace {

constexpr const char* upload_columns =
    "id, film_id, user_id, length, offset, metadata, filename, status, error, job_id, last_checksum, "
    "expires_at, created_at, updated_at";

upload read_upload_row(statement& st) {
    upload u;
    u.id = st.text(0);
    u.film_id = st.int64(1);
    u.user_id = st.int64(2);
    u.length = st.int64(3);
    u.offset = st.int64(4);
    u.metadata = st.text(5);
    u.filename = st.text(6);
    u.status = st.text(7);
    u.error = st.optional_text(8);
    u.job_id = st.optional_int64(9);
    u.last_checksum = st.optional_text(10);
    u.expires_at = st.int64(11);
    u.created_at = st.text(12);
    u.updated_at = st.text(13);
    return u;
}

std::vector<upload> read_all(statement& st) {
    std::vector<upload> found;
    while (st.step()) found.push_back(read_upload_row(st));
    return found;
}

}  // namespace

void create_upload(database& db, const upload& u) {
    if (u.length < 0) throw invalid("invalid_upload_length", "an upload's length cannot be negative");
    if (find_upload(db, u.id)) throw conflict("upload_exists", "upload " + u.id + " exists");
    auto st = db.prepare(
        "INSERT INTO uploads (id, film_id, user_id, length, offset, metadata, filename, status, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, u.id).bind(2, u.film_id).bind(3, u.user_id).bind(4, u.length).bind(5, u.offset);
    st.bind(6, u.metadata).bind(7, u.filename).bind(8, u.status).bind(9, u.expires_at).run();
}

std::optional<upload> find_upload(database& db, const std::string& id) {
    auto st = db.prepare(std::string("SELECT ") + upload_columns + " FROM uploads WHERE id = ?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return read_upload_row(st);
}

void record_upload_offset(database& db, const std::string& id, std::int64_t offset, std::int64_t expires_at,
                          const std::optional<std::string>& checksum) {
    auto st = db.prepare(
        "UPDATE uploads SET offset = ?, expires_at = ?, last_checksum = coalesce(?, last_checksum), "
        "updated_at = ? WHERE id = ?");
    st.bind(1, offset).bind(2, expires_at).bind(3, checksum).bind(4, utc_now()).bind(5, id).run();
    if (db.changes() == 0) throw not_found("upload_not_found", "no upload " + id);
}

void finish_upload(database& db, const std::string& id, const std::string& status,
                   const std::optional<std::string>& error, std::optional<std::int64_t> job_id) {
    auto st = db.prepare("UPDATE uploads SET status = ?, error = ?, job_id = ?, updated_at = ? WHERE id = ?");
    st.bind(1, status).bind(2, error).bind(3, job_id).bind(4, utc_now()).bind(5, id).run();
    if (db.changes() == 0) throw not_found("upload_not_found", "no upload " + id);
}

void delete_upload(database& db, const std::string& id) {
    auto st = db.prepare("DELETE FROM uploads WHERE id = ?");
    st.bind(1, id).run();
}

std::vector<upload> list_expired_uploads(database& db, std::int64_t now) {
    // A done upload has handed its file over to a job; only its record remains, kept for history.
    auto st = db.prepare(std::string("SELECT ") + upload_columns +
                         " FROM uploads WHERE status != 'done' AND expires_at <= ? ORDER BY expires_at");
    st.bind(1, now);
    return read_all(st);
}

std::vector<upload> list_unprocessed_complete_uploads(database& db) {
    auto st = db.prepare(std::string("SELECT ") + upload_columns +
                         " FROM uploads WHERE status = 'receiving' AND offset = length ORDER BY created_at");
    return read_all(st);
}

std::int64_t reserved_upload_bytes(database& db, std::int64_t now, const std::string& except_id) {
    auto st = db.prepare(
        "SELECT coalesce(sum(length - offset), 0) FROM uploads "
        "WHERE status = 'receiving' AND expires_at > ? AND id != ?");
    st.bind(1, now).bind(2, except_id);
    st.step();
    return st.int64(0);
}

std::vector<upload> list_film_uploads(database& db, std::int64_t film_id) {
    auto st = db.prepare(std::string("SELECT ") + upload_columns +
                         " FROM uploads WHERE film_id = ? ORDER BY created_at DESC, rowid DESC");
    st.bind(1, film_id);
    return read_all(st);
}

nlohmann::json upload_to_json(const upload& u) {
    return {{"id", u.id},
            {"film_id", u.film_id},
            {"length", u.length},
            {"offset", u.offset},
            {"filename", u.filename},
            {"status", u.status},
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
        "UPDATE jobs SET status = 'running', worker = ?, attempts = 1, lease_until = ?, updated_at = ? "
        "WHERE id = ? AND status = 'queued'");
    st.bind(1, worker).bind(2, lease_until).bind(3, utc_now()).bind(4, id).run();
    tx.commit();
    return id;
}

}  // namespace festival::catalog
