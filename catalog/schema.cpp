#include "catalog/schema.hpp"

#include "catalog/database.hpp"

namespace festival::catalog {

// Append new steps at the end; never edit a step that has shipped.
const std::vector<std::string_view>& migrations() {
    static const std::vector<std::string_view> steps = {
        // 1: films, festival, accounts, transcode jobs.
        R"sql(
        CREATE TABLE films (
            id               INTEGER PRIMARY KEY,
            slug             TEXT NOT NULL UNIQUE,
            original_title   TEXT NOT NULL,
            year             INTEGER,
            runtime_minutes  INTEGER,
            category         TEXT NOT NULL CHECK (category IN ('documentary','short','fiction')),
            directors        TEXT NOT NULL DEFAULT '[]',
            countries        TEXT NOT NULL DEFAULT '[]',
            themes           TEXT NOT NULL DEFAULT '[]',
            spoken_languages TEXT NOT NULL DEFAULT '[]',
            subtitle_languages TEXT NOT NULL DEFAULT '[]',
            credits          TEXT NOT NULL DEFAULT '{}',
            poster           TEXT,
            rights_note      TEXT NOT NULL DEFAULT '',
            published        INTEGER NOT NULL DEFAULT 0,
            available_from   TEXT,
            available_until  TEXT,
            media_version    INTEGER,
            created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        );
        CREATE TABLE film_texts (
            film_id  INTEGER NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            lang     TEXT NOT NULL,
            title    TEXT NOT NULL DEFAULT '',
            synopsis TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (film_id, lang)
        );
        CREATE VIRTUAL TABLE films_fts USING fts5(
            body, tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE TABLE festival (
            id        INTEGER PRIMARY KEY CHECK (id = 1),
            name      TEXT NOT NULL,
            starts_on TEXT,
            ends_on   TEXT
        );
        CREATE TABLE festival_texts (
            lang    TEXT PRIMARY KEY,
            welcome TEXT NOT NULL DEFAULT '',
            closing TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE users (
            id            INTEGER PRIMARY KEY,
            email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name  TEXT NOT NULL DEFAULT '',
            role          TEXT NOT NULL CHECK (role IN ('curator','organizer')),
            password_hash TEXT NOT NULL,
            created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            expires_at INTEGER NOT NULL
        );
        CREATE INDEX sessions_expiry ON sessions(expires_at);
        CREATE TABLE jobs (
            id           INTEGER PRIMARY KEY,
            film_id      INTEGER NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            source_path  TEXT NOT NULL,
            subtitles    TEXT NOT NULL DEFAULT '[]',
            status       TEXT NOT NULL DEFAULT 'queued'
                         CHECK (status IN ('queued','running','done','failed','cancelled')),
            progress     REAL NOT NULL DEFAULT 0,
            fps          REAL NOT NULL DEFAULT 0,
            eta_seconds  REAL,
            attempts     INTEGER NOT NULL DEFAULT 0,
            error        TEXT,
            worker       TEXT,
            lease_until  INTEGER,
            created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        );
        CREATE INDEX jobs_claim ON jobs(status, lease_until);
        )sql",
        // Resumable film uploads: what each upload has durably received and how it ended.
        R"sql(
        CREATE TABLE IF NOT EXISTS uploads (
            id            TEXT PRIMARY KEY,
            film_id       INTEGER NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            user_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,
            length        INTEGER NOT NULL CHECK (length >= 0),
            offset        INTEGER NOT NULL DEFAULT 0 CHECK (offset >= 0 AND offset <= length),
            metadata      TEXT NOT NULL DEFAULT '',
            filename      TEXT NOT NULL DEFAULT '',
            status        TEXT NOT NULL DEFAULT 'receiving' CHECK (status IN ('receiving','done','failed')),
            error         TEXT,
            job_id        INTEGER,
            last_checksum TEXT,
            expires_at    INTEGER NOT NULL,
            created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        );
        CREATE INDEX IF NOT EXISTS uploads_expiry ON uploads(status, expires_at);
        CREATE INDEX IF NOT EXISTS uploads_film ON uploads(film_id);
        )sql",
    };
    return steps;
}

int migrate(database& db) {
    auto read_version = [&] {
        auto st = db.prepare("PRAGMA user_version");
        st.step();
        return static_cast<int>(st.int64(0));
    };
    const auto& steps = migrations();
    int version = read_version();
    if (version > static_cast<int>(steps.size()))
        throw invalid("schema_too_new", "catalog schema version " + std::to_string(version) +
                                            " is newer than this program knows (" +
                                            std::to_string(steps.size()) + ")");
    while (version < static_cast<int>(steps.size())) {
        transaction tx(db);
        // Re-read inside the write lock: another process may have migrated meanwhile.
        version = read_version();
        if (version >= static_cast<int>(steps.size())) break;
        db.exec(steps[static_cast<std::size_t>(version)]);
        db.exec("PRAGMA user_version = " + std::to_string(version + 1));
        tx.commit();
        ++version;
    }
    return version;
}

database open_catalog(const std::string& path) {
    database db(path);
    migrate(db);
    return db;
}

}  // namespace festival::catalog
