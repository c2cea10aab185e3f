#include "catalog/schema.hpp"

#include <optional>

#include "catalog/database.hpp"

namespace festival::catalog {

// Append new steps at the end; never edit a step that has shipped.
const std::vector<migration_step>& migrations() {
    static const std::vector<migration_step> steps = {
        // 1: films, festival, accounts, transcode jobs.
        {R"sql(
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
        )sql", {}},
        // Resumable film uploads: what each upload has durably received and how it ended.
        {R"sql(
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
        )sql", {}},
        // Viewer feedback: ratings, moderated comments, the festival feedback form, the audience award.
        {R"sql(
        CREATE TABLE feedback_ratings (
            id         INTEGER PRIMARY KEY,
            film_id    INTEGER NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            stars      INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
            play_id    TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        );
        CREATE INDEX feedback_ratings_film ON feedback_ratings(film_id);
        CREATE UNIQUE INDEX feedback_ratings_one_per_play ON feedback_ratings(film_id, play_id)
            WHERE play_id IS NOT NULL;
        CREATE TABLE feedback_comments (
            id           INTEGER PRIMARY KEY,
            film_id      INTEGER NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            name         TEXT NOT NULL DEFAULT '',
            lang         TEXT NOT NULL DEFAULT '',
            text         TEXT NOT NULL,
            status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected')),
            author_hash  TEXT NOT NULL,
            play_id      TEXT,
            submissions  INTEGER NOT NULL DEFAULT 1,
            created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            moderated_at TEXT
        );
        CREATE INDEX feedback_comments_public ON feedback_comments(film_id, status, id);
        CREATE INDEX feedback_comments_queue ON feedback_comments(status, id);
        CREATE UNIQUE INDEX feedback_comments_same_text ON feedback_comments(film_id, author_hash, text);
        CREATE TABLE feedback_questions (
            id         INTEGER PRIMARY KEY,
            position   INTEGER NOT NULL,
            kind       TEXT NOT NULL CHECK (kind IN ('choice','film','text')),
            required   INTEGER NOT NULL DEFAULT 0,
            label      TEXT NOT NULL DEFAULT '{}',
            options    TEXT NOT NULL DEFAULT '[]',
            active     INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE feedback_submissions (
            id         INTEGER PRIMARY KEY,
            lang       TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        );
        CREATE TABLE feedback_answers (
            submission_id INTEGER NOT NULL REFERENCES feedback_submissions(id) ON DELETE CASCADE,
            question_id   INTEGER NOT NULL REFERENCES feedback_questions(id),
            value         TEXT NOT NULL,
            PRIMARY KEY (submission_id, question_id)
        );
        CREATE TABLE feedback_award (
            id           INTEGER PRIMARY KEY CHECK (id = 1),
            public       INTEGER NOT NULL DEFAULT 0,
            prior_weight REAL NOT NULL DEFAULT 10
        );
        INSERT INTO feedback_award (id) VALUES (1);
        INSERT INTO feedback_questions (position, kind, required, label, options) VALUES
          (1, 'choice', 0,
           '{"fr":"Comment avez-vous connu le festival ?","en":"How did you hear about the festival?","es":"¿Cómo conoció el festival?"}',
           '[{"value":"friends","label":{"fr":"Par des proches","en":"From friends or family","es":"Por amigos o familiares"}},' ||
           '{"value":"association","label":{"fr":"Par une association","en":"Through an association","es":"Por una asociación"}},' ||
           '{"value":"social_media","label":{"fr":"Réseaux sociaux","en":"Social media","es":"Redes sociales"}},' ||
           '{"value":"press","label":{"fr":"Presse ou radio","en":"Press or radio","es":"Prensa o radio"}},' ||
           '{"value":"other","label":{"fr":"Autre","en":"Other","es":"Otro"}}]'),
          (2, 'film', 0,
           '{"fr":"Quel film vous a le plus touché ?","en":"Which film touched you most?","es":"¿Qué película le conmovió más?"}',
           '[]'),
          (3, 'text', 0,
           '{"fr":"Un mot pour l''équipe du festival ?","en":"A word for the festival team?","es":"¿Unas palabras para el equipo del festival?"}',
           '[]');
        )sql", {}},
        // Audience statistics: plays, and per-film aggregates per minute, hour and day (times in unix ms,
        // minutes, hours and days as integers), retention per percent, viewers as keyed hashes only.
        {R"sql(
        CREATE TABLE IF NOT EXISTS plays (
            id                TEXT PRIMARY KEY,
            film_id           INTEGER NOT NULL,
            viewer_hash       TEXT NOT NULL,
            started_at        INTEGER NOT NULL,
            last_seen_at      INTEGER NOT NULL,
            runtime_seconds   REAL,
            played_ms         INTEGER NOT NULL DEFAULT 0,
            furthest_position REAL NOT NULL DEFAULT 0,
            watched           TEXT NOT NULL DEFAULT '',
            viewed_at         INTEGER,
            completed         INTEGER NOT NULL DEFAULT 0,
            ended             INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS plays_by_film ON plays(film_id, started_at);
        CREATE TABLE IF NOT EXISTS stats_film_minute (
            film_id INTEGER NOT NULL, minute INTEGER NOT NULL,
            plays INTEGER NOT NULL DEFAULT 0, views INTEGER NOT NULL DEFAULT 0,
            watch_ms INTEGER NOT NULL DEFAULT 0, peak_live INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, minute)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS stats_film_hour (
            film_id INTEGER NOT NULL, hour INTEGER NOT NULL,
            plays INTEGER NOT NULL DEFAULT 0, views INTEGER NOT NULL DEFAULT 0,
            watch_ms INTEGER NOT NULL DEFAULT 0, peak_live INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, hour)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS stats_film_day (
            film_id INTEGER NOT NULL, day INTEGER NOT NULL,
            plays INTEGER NOT NULL DEFAULT 0, views INTEGER NOT NULL DEFAULT 0,
            watch_ms INTEGER NOT NULL DEFAULT 0, peak_live INTEGER NOT NULL DEFAULT 0,
            measured_plays INTEGER NOT NULL DEFAULT 0, completed INTEGER NOT NULL DEFAULT 0,
            unique_viewers INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, day)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS stats_film_day_by_day ON stats_film_day(day);
        CREATE TABLE IF NOT EXISTS stats_retention (
            film_id INTEGER NOT NULL, day INTEGER NOT NULL, bucket INTEGER NOT NULL,
            plays INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, day, bucket)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS stats_viewers (
            film_id INTEGER NOT NULL, day INTEGER NOT NULL, viewer_hash TEXT NOT NULL,
            PRIMARY KEY (film_id, day, viewer_hash)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS stats_festival_minute (
            minute INTEGER PRIMARY KEY, peak_live INTEGER NOT NULL DEFAULT 0
        );
        )sql", {}},
        // A rating proves the play it comes from: plays keep the hash of the token their player was given
        // and whether they reached a view; a rating keeps its play's viewer hash (one counted per viewer),
        // and ratings without one (stored before this step) no longer count. Old play rows are pruned by
        // their last report.
        {R"sql(
        ALTER TABLE plays ADD COLUMN token_hash TEXT;
        ALTER TABLE plays ADD COLUMN reached_view INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX plays_by_last_seen ON plays(last_seen_at);
        ALTER TABLE feedback_ratings ADD COLUMN viewer_hash TEXT;
        CREATE UNIQUE INDEX feedback_ratings_one_per_viewer ON feedback_ratings(film_id, viewer_hash)
            WHERE viewer_hash IS NOT NULL;
        )sql", {}},
        // Ids are never reused: a deleted film's or job's id names folders and URLs (media/<film>/v<job>)
        // that must never come back under a new one. films and jobs are rebuilt with AUTOINCREMENT
        // (SQLite's ALTER TABLE procedure: migrate() runs steps with foreign keys off and checks them),
        // and the sequences start above every id still seen anywhere. Films also get the versions
        // around the current one: the previous (served for a grace period after a switch, so players
        // mid-film finish) and a pending one (a new master waiting for a curator to publish it).
        {R"sql(
        CREATE TABLE films_rebuilt (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
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
            updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            previous_version INTEGER,
            version_switched_at INTEGER,
            pending_version  INTEGER
        );
        INSERT INTO films_rebuilt (id, slug, original_title, year, runtime_minutes, category, directors, countries,
            themes, spoken_languages, subtitle_languages, credits, poster, rights_note, published, available_from,
            available_until, media_version, created_at, updated_at)
        SELECT id, slug, original_title, year, runtime_minutes, category, directors, countries,
            themes, spoken_languages, subtitle_languages, credits, poster, rights_note, published, available_from,
            available_until, media_version, created_at, updated_at FROM films;
        DROP TABLE films;
        ALTER TABLE films_rebuilt RENAME TO films;
        CREATE TABLE jobs_rebuilt (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
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
        INSERT INTO jobs_rebuilt (id, film_id, source_path, subtitles, status, progress, fps, eta_seconds, attempts,
            error, worker, lease_until, created_at, updated_at)
        SELECT id, film_id, source_path, subtitles, status, progress, fps, eta_seconds, attempts,
            error, worker, lease_until, created_at, updated_at FROM jobs;
        DROP TABLE jobs;
        ALTER TABLE jobs_rebuilt RENAME TO jobs;
        CREATE INDEX jobs_claim ON jobs(status, lease_until);
        INSERT INTO sqlite_sequence (name, seq)
            SELECT 'films', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'films');
        INSERT INTO sqlite_sequence (name, seq)
            SELECT 'jobs', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'jobs');
        UPDATE sqlite_sequence SET seq = MAX(seq,
            (SELECT COALESCE(MAX(id), 0) FROM films),
            (SELECT COALESCE(MAX(film_id), 0) FROM plays),
            (SELECT COALESCE(MAX(film_id), 0) FROM stats_film_day),
            (SELECT COALESCE(MAX(film_id), 0) FROM stats_film_minute))
            WHERE name = 'films';
        UPDATE sqlite_sequence SET seq = MAX(seq,
            (SELECT COALESCE(MAX(id), 0) FROM jobs),
            (SELECT COALESCE(MAX(job_id), 0) FROM uploads),
            (SELECT COALESCE(MAX(media_version), 0) FROM films))
            WHERE name = 'jobs';
        )sql", {}},
        // Films belong to the curators assigned to them (organizers change every film). Films made
        // before this step go to every curator there is, so a running festival's curators keep the
        // films they were working on; organizers narrow the lists afterwards.
        {R"sql(
        CREATE TABLE film_curators (
            film_id INTEGER NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            PRIMARY KEY (film_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX film_curators_by_user ON film_curators(user_id);
        INSERT INTO film_curators (film_id, user_id)
            SELECT films.id, users.id FROM films CROSS JOIN users WHERE users.role = 'curator';
        )sql", {}},
        // Rights rules of a film (docs/rights.md), and the viewer passes that gated films count: a
        // pass is kept hashed, with when it was registered and when its first play started.
        {R"sql(
        CREATE TABLE film_rights (
            film_id     INTEGER PRIMARY KEY REFERENCES films(id) ON DELETE CASCADE,
            countries   TEXT NOT NULL DEFAULT '[]',
            max_views   INTEGER,
            start_hours INTEGER,
            watch_hours INTEGER
        );
        CREATE TABLE film_passes (
            film_id       INTEGER NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            pass_hash     TEXT NOT NULL,
            registered_at INTEGER NOT NULL,
            started_at    INTEGER,
            PRIMARY KEY (film_id, pass_hash)
        ) WITHOUT ROWID;
        )sql", {}},
        // Plays, views and watch time per film, day and the viewer's country (ISO 3166 alpha-2, '' when
        // unknown; no address is kept). What was counted before this step is of unknown country, so the
        // countries of a day always add up to its film's day row.
        {R"sql(
        CREATE TABLE stats_film_day_country (
            film_id INTEGER NOT NULL, day INTEGER NOT NULL, country TEXT NOT NULL,
            plays INTEGER NOT NULL DEFAULT 0, views INTEGER NOT NULL DEFAULT 0,
            watch_ms INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, day, country)
        ) WITHOUT ROWID;
        CREATE INDEX stats_film_day_country_by_day ON stats_film_day_country(day);
        INSERT INTO stats_film_day_country (film_id, day, country, plays, views, watch_ms)
            SELECT film_id, day, '', plays, views, watch_ms FROM stats_film_day
            WHERE plays > 0 OR views > 0 OR watch_ms > 0;
        )sql", {}},
        // Audio jobs (a version's audio renditions rebuilt over the video of a base version) and the
        // curators' audio tracks every job encodes.
        {R"sql(
        ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'transcode' CHECK (kind IN ('transcode','audio'));
        ALTER TABLE jobs ADD COLUMN base_version INTEGER;
        ALTER TABLE jobs ADD COLUMN audio_tracks TEXT NOT NULL DEFAULT '[]';
        )sql", {}},
        // Curators' audio tracks: one file per film, role and language (audio description, dubs).
        {R"sql(
        CREATE TABLE film_audio_tracks (
            id         INTEGER PRIMARY KEY,
            film_id    INTEGER NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            lang       TEXT NOT NULL,
            role       TEXT NOT NULL CHECK (role IN ('description','dub')),
            name       TEXT NOT NULL DEFAULT '',
            path       TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            UNIQUE (film_id, role, lang)
        );
        )sql",
         R"sql(
        -- PostgreSQL's baseline: the whole schema SQLite has after every step above (PostgreSQL
        -- runs those as no-ops). Ids are identities (never reused, like AUTOINCREMENT); booleans stay
        -- 0/1 integers; times stay ISO texts and unix numbers, as the catalog's code reads them.
        CREATE TABLE films (
            id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            slug             TEXT NOT NULL UNIQUE,
            original_title   TEXT NOT NULL,
            year             BIGINT,
            runtime_minutes  BIGINT,
            category         TEXT NOT NULL CHECK (category IN ('documentary','short','fiction')),
            directors        TEXT NOT NULL DEFAULT '[]',
            countries        TEXT NOT NULL DEFAULT '[]',
            themes           TEXT NOT NULL DEFAULT '[]',
            spoken_languages TEXT NOT NULL DEFAULT '[]',
            subtitle_languages TEXT NOT NULL DEFAULT '[]',
            credits          TEXT NOT NULL DEFAULT '{}',
            poster           TEXT,
            rights_note      TEXT NOT NULL DEFAULT '',
            published        BIGINT NOT NULL DEFAULT 0,
            available_from   TEXT,
            available_until  TEXT,
            media_version    BIGINT,
            created_at       TEXT NOT NULL DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
            updated_at       TEXT NOT NULL DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
            previous_version BIGINT,
            version_switched_at BIGINT,
            pending_version  BIGINT
        );
        CREATE TABLE film_texts (
            film_id  BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            lang     TEXT NOT NULL,
            title    TEXT NOT NULL DEFAULT '',
            synopsis TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (film_id, lang)
        );
        -- SQLite's films_fts: the searchable text of each film, its accents removed (unaccent, from
        -- postgresql-contrib) before it is made a document.
        CREATE TABLE films_search (
            film_id  BIGINT PRIMARY KEY REFERENCES films(id) ON DELETE CASCADE,
            body     TEXT NOT NULL,
            document tsvector NOT NULL
        );
        CREATE INDEX films_search_document ON films_search USING GIN (document);
        CREATE TABLE festival (
            id        BIGINT PRIMARY KEY CHECK (id = 1),
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
            id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            email         TEXT NOT NULL,
            display_name  TEXT NOT NULL DEFAULT '',
            role          TEXT NOT NULL CHECK (role IN ('curator','organizer')),
            password_hash TEXT NOT NULL,
            created_at    TEXT NOT NULL DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
        );
        -- SQLite's UNIQUE COLLATE NOCASE.
        CREATE UNIQUE INDEX users_email ON users (lower(email));
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            expires_at BIGINT NOT NULL
        );
        CREATE INDEX sessions_expiry ON sessions(expires_at);
        CREATE TABLE jobs (
            id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            film_id      BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            source_path  TEXT NOT NULL,
            subtitles    TEXT NOT NULL DEFAULT '[]',
            status       TEXT NOT NULL DEFAULT 'queued'
                         CHECK (status IN ('queued','running','done','failed','cancelled')),
            progress     DOUBLE PRECISION NOT NULL DEFAULT 0,
            fps          DOUBLE PRECISION NOT NULL DEFAULT 0,
            eta_seconds  DOUBLE PRECISION,
            attempts     BIGINT NOT NULL DEFAULT 0,
            error        TEXT,
            worker       TEXT,
            lease_until  BIGINT,
            created_at   TEXT NOT NULL DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
            updated_at   TEXT NOT NULL DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
            kind         TEXT NOT NULL DEFAULT 'transcode' CHECK (kind IN ('transcode','audio')),
            base_version BIGINT,
            audio_tracks TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX jobs_claim ON jobs(status, lease_until);
        -- "offset" is a reserved word in PostgreSQL: quoted wherever it is named (SQLite takes the quotes too).
        CREATE TABLE uploads (
            id            TEXT PRIMARY KEY,
            film_id       BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            user_id       BIGINT REFERENCES users(id) ON DELETE SET NULL,
            length        BIGINT NOT NULL CHECK (length >= 0),
            "offset"      BIGINT NOT NULL DEFAULT 0 CHECK ("offset" >= 0 AND "offset" <= length),
            metadata      TEXT NOT NULL DEFAULT '',
            filename      TEXT NOT NULL DEFAULT '',
            status        TEXT NOT NULL DEFAULT 'receiving' CHECK (status IN ('receiving','done','failed')),
            error         TEXT,
            job_id        BIGINT,
            last_checksum TEXT,
            expires_at    BIGINT NOT NULL,
            created_at    TEXT NOT NULL DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
            updated_at    TEXT NOT NULL DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
        );
        CREATE INDEX uploads_expiry ON uploads(status, expires_at);
        CREATE INDEX uploads_film ON uploads(film_id);
        CREATE TABLE feedback_ratings (
            id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            film_id     BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            stars       BIGINT NOT NULL CHECK (stars BETWEEN 1 AND 5),
            play_id     TEXT,
            created_at  TEXT NOT NULL DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
            viewer_hash TEXT
        );
        CREATE INDEX feedback_ratings_film ON feedback_ratings(film_id);
        CREATE UNIQUE INDEX feedback_ratings_one_per_play ON feedback_ratings(film_id, play_id)
            WHERE play_id IS NOT NULL;
        CREATE UNIQUE INDEX feedback_ratings_one_per_viewer ON feedback_ratings(film_id, viewer_hash)
            WHERE viewer_hash IS NOT NULL;
        CREATE TABLE feedback_comments (
            id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            film_id      BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            name         TEXT NOT NULL DEFAULT '',
            lang         TEXT NOT NULL DEFAULT '',
            text         TEXT NOT NULL,
            status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected')),
            author_hash  TEXT NOT NULL,
            play_id      TEXT,
            submissions  BIGINT NOT NULL DEFAULT 1,
            created_at   TEXT NOT NULL DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
            moderated_at TEXT
        );
        CREATE INDEX feedback_comments_public ON feedback_comments(film_id, status, id);
        CREATE INDEX feedback_comments_queue ON feedback_comments(status, id);
        CREATE UNIQUE INDEX feedback_comments_same_text ON feedback_comments(film_id, author_hash, text);
        CREATE TABLE feedback_questions (
            id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            position   BIGINT NOT NULL,
            kind       TEXT NOT NULL CHECK (kind IN ('choice','film','text')),
            required   BIGINT NOT NULL DEFAULT 0,
            label      TEXT NOT NULL DEFAULT '{}',
            options    TEXT NOT NULL DEFAULT '[]',
            active     BIGINT NOT NULL DEFAULT 1
        );
        CREATE TABLE feedback_submissions (
            id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            lang       TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
        );
        CREATE TABLE feedback_answers (
            submission_id BIGINT NOT NULL REFERENCES feedback_submissions(id) ON DELETE CASCADE,
            question_id   BIGINT NOT NULL REFERENCES feedback_questions(id),
            value         TEXT NOT NULL,
            PRIMARY KEY (submission_id, question_id)
        );
        CREATE TABLE feedback_award (
            id           BIGINT PRIMARY KEY CHECK (id = 1),
            public       BIGINT NOT NULL DEFAULT 0,
            prior_weight DOUBLE PRECISION NOT NULL DEFAULT 10
        );
        INSERT INTO feedback_award (id) VALUES (1);
        INSERT INTO feedback_questions (position, kind, required, label, options) VALUES
          (1, 'choice', 0,
           '{"fr":"Comment avez-vous connu le festival ?","en":"How did you hear about the festival?","es":"¿Cómo conoció el festival?"}',
           '[{"value":"friends","label":{"fr":"Par des proches","en":"From friends or family","es":"Por amigos o familiares"}},' ||
           '{"value":"association","label":{"fr":"Par une association","en":"Through an association","es":"Por una asociación"}},' ||
           '{"value":"social_media","label":{"fr":"Réseaux sociaux","en":"Social media","es":"Redes sociales"}},' ||
           '{"value":"press","label":{"fr":"Presse ou radio","en":"Press or radio","es":"Prensa o radio"}},' ||
           '{"value":"other","label":{"fr":"Autre","en":"Other","es":"Otro"}}]'),
          (2, 'film', 0,
           '{"fr":"Quel film vous a le plus touché ?","en":"Which film touched you most?","es":"¿Qué película le conmovió más?"}',
           '[]'),
          (3, 'text', 0,
           '{"fr":"Un mot pour l''équipe du festival ?","en":"A word for the festival team?","es":"¿Unas palabras para el equipo del festival?"}',
           '[]');
        CREATE TABLE plays (
            id                TEXT PRIMARY KEY,
            film_id           BIGINT NOT NULL,
            viewer_hash       TEXT NOT NULL,
            started_at        BIGINT NOT NULL,
            last_seen_at      BIGINT NOT NULL,
            runtime_seconds   DOUBLE PRECISION,
            played_ms         BIGINT NOT NULL DEFAULT 0,
            furthest_position DOUBLE PRECISION NOT NULL DEFAULT 0,
            watched           TEXT NOT NULL DEFAULT '',
            viewed_at         BIGINT,
            completed         BIGINT NOT NULL DEFAULT 0,
            ended             BIGINT NOT NULL DEFAULT 0,
            token_hash        TEXT,
            reached_view      BIGINT NOT NULL DEFAULT 0
        );
        CREATE INDEX plays_by_film ON plays(film_id, started_at);
        CREATE INDEX plays_by_last_seen ON plays(last_seen_at);
        CREATE TABLE stats_film_minute (
            film_id BIGINT NOT NULL, minute BIGINT NOT NULL,
            plays BIGINT NOT NULL DEFAULT 0, views BIGINT NOT NULL DEFAULT 0,
            watch_ms BIGINT NOT NULL DEFAULT 0, peak_live BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, minute)
        );
        CREATE TABLE stats_film_hour (
            film_id BIGINT NOT NULL, hour BIGINT NOT NULL,
            plays BIGINT NOT NULL DEFAULT 0, views BIGINT NOT NULL DEFAULT 0,
            watch_ms BIGINT NOT NULL DEFAULT 0, peak_live BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, hour)
        );
        CREATE TABLE stats_film_day (
            film_id BIGINT NOT NULL, day BIGINT NOT NULL,
            plays BIGINT NOT NULL DEFAULT 0, views BIGINT NOT NULL DEFAULT 0,
            watch_ms BIGINT NOT NULL DEFAULT 0, peak_live BIGINT NOT NULL DEFAULT 0,
            measured_plays BIGINT NOT NULL DEFAULT 0, completed BIGINT NOT NULL DEFAULT 0,
            unique_viewers BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, day)
        );
        CREATE INDEX stats_film_day_by_day ON stats_film_day(day);
        CREATE TABLE stats_retention (
            film_id BIGINT NOT NULL, day BIGINT NOT NULL, bucket BIGINT NOT NULL,
            plays BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, day, bucket)
        );
        CREATE TABLE stats_viewers (
            film_id BIGINT NOT NULL, day BIGINT NOT NULL, viewer_hash TEXT NOT NULL,
            PRIMARY KEY (film_id, day, viewer_hash)
        );
        CREATE TABLE stats_festival_minute (
            minute BIGINT PRIMARY KEY, peak_live BIGINT NOT NULL DEFAULT 0
        );
        CREATE TABLE stats_film_day_country (
            film_id BIGINT NOT NULL, day BIGINT NOT NULL, country TEXT NOT NULL,
            plays BIGINT NOT NULL DEFAULT 0, views BIGINT NOT NULL DEFAULT 0,
            watch_ms BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, day, country)
        );
        CREATE INDEX stats_film_day_country_by_day ON stats_film_day_country(day);
        CREATE TABLE film_curators (
            film_id BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            PRIMARY KEY (film_id, user_id)
        );
        CREATE INDEX film_curators_by_user ON film_curators(user_id);
        CREATE TABLE film_rights (
            film_id     BIGINT PRIMARY KEY REFERENCES films(id) ON DELETE CASCADE,
            countries   TEXT NOT NULL DEFAULT '[]',
            max_views   BIGINT,
            start_hours BIGINT,
            watch_hours BIGINT
        );
        CREATE TABLE film_passes (
            film_id       BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            pass_hash     TEXT NOT NULL,
            registered_at BIGINT NOT NULL,
            started_at    BIGINT,
            PRIMARY KEY (film_id, pass_hash)
        );
        CREATE TABLE film_audio_tracks (
            id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            film_id    BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            lang       TEXT NOT NULL,
            role       TEXT NOT NULL CHECK (role IN ('description','dub')),
            name       TEXT NOT NULL DEFAULT '',
            path       TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
            UNIQUE (film_id, role, lang)
        );
        )sql"},
        // Tokens of transcoder workers on other hosts, kept hashed (docs/workers.md).
        {R"sql(
        CREATE TABLE worker_tokens (
            id           INTEGER PRIMARY KEY,
            name         TEXT NOT NULL UNIQUE,
            token_hash   TEXT NOT NULL UNIQUE,
            created_at   TEXT NOT NULL,
            revoked_at   TEXT,
            last_seen_at TEXT
        );
        )sql", R"sql(
        CREATE TABLE worker_tokens (
            id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name         TEXT NOT NULL UNIQUE,
            token_hash   TEXT NOT NULL UNIQUE,
            created_at   TEXT NOT NULL,
            revoked_at   TEXT,
            last_seen_at TEXT
        );
        )sql"},
        // Several server nodes on one catalog: each UTC day's viewer-hash key (kept for that day and the
        // next only, then deleted), each node's live counts with when it wrote them, and plays found by
        // viewer for the view-repeat rule across nodes.
        {R"sql(
        CREATE TABLE audience_day_keys (
            day     INTEGER PRIMARY KEY,
            key_hex TEXT NOT NULL
        );
        CREATE TABLE audience_nodes (
            node       TEXT PRIMARY KEY,
            live_total INTEGER NOT NULL,
            live_films TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX plays_by_viewer ON plays(viewer_hash, viewed_at);
        )sql", R"sql(
        CREATE TABLE audience_day_keys (
            day     BIGINT PRIMARY KEY,
            key_hex TEXT NOT NULL
        );
        CREATE TABLE audience_nodes (
            node       TEXT PRIMARY KEY,
            live_total BIGINT NOT NULL,
            live_films TEXT NOT NULL,
            updated_at BIGINT NOT NULL
        );
        CREATE INDEX plays_by_viewer ON plays(viewer_hash, viewed_at);
        )sql"},
        // Uploads listed newest first, also within one second: their order of creation (ids are random;
        // SQLite's rowid kept it, PostgreSQL has none).
        {R"sql(
        ALTER TABLE uploads ADD COLUMN created_seq INTEGER NOT NULL DEFAULT 0;
        UPDATE uploads SET created_seq = rowid;
        )sql", R"sql(
        ALTER TABLE uploads ADD COLUMN created_seq BIGINT NOT NULL DEFAULT 0;
        )sql"},
        // Premieres (a film screened to everyone at one time) and their rooms: participants by the hash of
        // their browser's token (never an address), chat and questions in order (seq per premiere, given
        // by the node that holds the room), votes, guest moderator links kept hashed (docs/premieres.md).
        {R"sql(
        CREATE TABLE premieres (
            id                 INTEGER PRIMARY KEY,
            film_id            INTEGER NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            starts_at          TEXT NOT NULL,
            duration_seconds   REAL NOT NULL CHECK (duration_seconds > 0),
            qa_minutes         INTEGER NOT NULL DEFAULT 60 CHECK (qa_minutes BETWEEN 0 AND 1440),
            note               TEXT NOT NULL DEFAULT '',
            created_by         INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at         TEXT NOT NULL,
            closed_at          TEXT,
            slow_seconds       INTEGER NOT NULL DEFAULT 0,
            peak_participants  INTEGER NOT NULL DEFAULT 0,
            total_participants INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX premieres_by_film ON premieres(film_id, starts_at);
        CREATE INDEX premieres_by_start ON premieres(starts_at);
        CREATE TABLE room_participants (
            premiere_id  INTEGER NOT NULL REFERENCES premieres(id) ON DELETE CASCADE,
            participant  TEXT NOT NULL,
            display_name TEXT NOT NULL,
            first_seen   TEXT NOT NULL,
            muted_at     TEXT,
            PRIMARY KEY (premiere_id, participant)
        );
        CREATE TABLE room_messages (
            premiere_id  INTEGER NOT NULL REFERENCES premieres(id) ON DELETE CASCADE,
            seq          INTEGER NOT NULL,
            kind         TEXT NOT NULL CHECK (kind IN ('chat','question')),
            participant  TEXT NOT NULL,
            display_name TEXT NOT NULL,
            text         TEXT NOT NULL,
            said_at      TEXT NOT NULL,
            muted        INTEGER NOT NULL DEFAULT 0,
            deleted_at   TEXT,
            deleted_by   TEXT,
            votes        INTEGER NOT NULL DEFAULT 0,
            answered_at  TEXT,
            PRIMARY KEY (premiere_id, seq)
        );
        CREATE TABLE room_votes (
            premiere_id INTEGER NOT NULL,
            seq         INTEGER NOT NULL,
            participant TEXT NOT NULL,
            PRIMARY KEY (premiere_id, seq, participant),
            FOREIGN KEY (premiere_id, seq) REFERENCES room_messages(premiere_id, seq) ON DELETE CASCADE
        );
        CREATE TABLE room_moderator_links (
            id          INTEGER PRIMARY KEY,
            premiere_id INTEGER NOT NULL REFERENCES premieres(id) ON DELETE CASCADE,
            token_hash  TEXT NOT NULL UNIQUE,
            label       TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            revoked_at  TEXT
        );
        )sql", R"sql(
        CREATE TABLE premieres (
            id                 BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            film_id            BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            starts_at          TEXT NOT NULL,
            duration_seconds   DOUBLE PRECISION NOT NULL CHECK (duration_seconds > 0),
            qa_minutes         BIGINT NOT NULL DEFAULT 60 CHECK (qa_minutes BETWEEN 0 AND 1440),
            note               TEXT NOT NULL DEFAULT '',
            created_by         BIGINT REFERENCES users(id) ON DELETE SET NULL,
            created_at         TEXT NOT NULL,
            closed_at          TEXT,
            slow_seconds       BIGINT NOT NULL DEFAULT 0,
            peak_participants  BIGINT NOT NULL DEFAULT 0,
            total_participants BIGINT NOT NULL DEFAULT 0
        );
        CREATE INDEX premieres_by_film ON premieres(film_id, starts_at);
        CREATE INDEX premieres_by_start ON premieres(starts_at);
        CREATE TABLE room_participants (
            premiere_id  BIGINT NOT NULL REFERENCES premieres(id) ON DELETE CASCADE,
            participant  TEXT NOT NULL,
            display_name TEXT NOT NULL,
            first_seen   TEXT NOT NULL,
            muted_at     TEXT,
            PRIMARY KEY (premiere_id, participant)
        );
        CREATE TABLE room_messages (
            premiere_id  BIGINT NOT NULL REFERENCES premieres(id) ON DELETE CASCADE,
            seq          BIGINT NOT NULL,
            kind         TEXT NOT NULL CHECK (kind IN ('chat','question')),
            participant  TEXT NOT NULL,
            display_name TEXT NOT NULL,
            text         TEXT NOT NULL,
            said_at      TEXT NOT NULL,
            muted        BIGINT NOT NULL DEFAULT 0,
            deleted_at   TEXT,
            deleted_by   TEXT,
            votes        BIGINT NOT NULL DEFAULT 0,
            answered_at  TEXT,
            PRIMARY KEY (premiere_id, seq)
        );
        CREATE TABLE room_votes (
            premiere_id BIGINT NOT NULL,
            seq         BIGINT NOT NULL,
            participant TEXT NOT NULL,
            PRIMARY KEY (premiere_id, seq, participant),
            FOREIGN KEY (premiere_id, seq) REFERENCES room_messages(premiere_id, seq) ON DELETE CASCADE
        );
        CREATE TABLE room_moderator_links (
            id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            premiere_id BIGINT NOT NULL REFERENCES premieres(id) ON DELETE CASCADE,
            token_hash  TEXT NOT NULL UNIQUE,
            label       TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            revoked_at  TEXT
        );
        )sql"},
        // Which node holds each premiere's room, so a node coming back during a premiere does not open
        // it a second time; renewed_at in unix milliseconds, renewed every second (docs/nodes.md).
        {R"sql(
        CREATE TABLE room_holders (
            premiere_id INTEGER PRIMARY KEY REFERENCES premieres(id) ON DELETE CASCADE,
            node        TEXT NOT NULL,
            renewed_at  BIGINT NOT NULL
        );
        )sql", R"sql(
        CREATE TABLE room_holders (
            premiere_id BIGINT PRIMARY KEY REFERENCES premieres(id) ON DELETE CASCADE,
            node        TEXT NOT NULL,
            renewed_at  BIGINT NOT NULL
        );
        )sql"},
        // Reach: embedding a film on partners' sites (its allowed origins, plays per embedding site),
        // whole-run unique viewers as HyperLogLog registers (a play keeps only its token's register and
        // rank, never the token), filmmakers' report links kept hashed, accounts from the web
        // (invitations kept hashed, disabled accounts) and the audit log of who did what (docs/statistics.md,
        // docs/accounts.md). audience_sketch_registers' film_id 0 is the whole festival.
        {R"sql(
        CREATE TABLE film_embeds (
            film_id    INTEGER PRIMARY KEY REFERENCES films(id) ON DELETE CASCADE,
            enabled    INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
            sites      TEXT NOT NULL DEFAULT '[]',
            updated_at TEXT NOT NULL
        );
        ALTER TABLE plays ADD COLUMN site TEXT NOT NULL DEFAULT '';
        ALTER TABLE plays ADD COLUMN sketch_slot INTEGER;
        CREATE TABLE stats_film_day_site (
            film_id INTEGER NOT NULL, day INTEGER NOT NULL, site TEXT NOT NULL,
            plays INTEGER NOT NULL DEFAULT 0, views INTEGER NOT NULL DEFAULT 0,
            watch_ms INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, day, site)
        ) WITHOUT ROWID;
        CREATE INDEX stats_film_day_site_by_day ON stats_film_day_site(day);
        CREATE TABLE audience_sketch_registers (
            film_id        INTEGER NOT NULL,
            register_index INTEGER NOT NULL,
            register_rank  INTEGER NOT NULL,
            PRIMARY KEY (film_id, register_index)
        ) WITHOUT ROWID;
        CREATE TABLE filmmaker_links (
            id         INTEGER PRIMARY KEY,
            film_id    INTEGER NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            language   TEXT NOT NULL CHECK (language IN ('fr','en','es')),
            label      TEXT NOT NULL DEFAULT '',
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE INDEX filmmaker_links_by_film ON filmmaker_links(film_id);
        ALTER TABLE users ADD COLUMN disabled_at TEXT;
        CREATE TABLE account_invitations (
            id         INTEGER PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            role       TEXT NOT NULL CHECK (role IN ('curator','organizer')),
            email      TEXT NOT NULL DEFAULT '',
            note       TEXT NOT NULL DEFAULT '',
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at    TEXT,
            used_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
            revoked_at TEXT
        );
        CREATE TABLE audit_log (
            id          INTEGER PRIMARY KEY,
            at          TEXT NOT NULL,
            actor_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
            actor_email TEXT NOT NULL DEFAULT '',
            action      TEXT NOT NULL,
            subject     TEXT NOT NULL DEFAULT '',
            details     TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_log_by_time ON audit_log(at);
        )sql", R"sql(
        CREATE TABLE film_embeds (
            film_id    BIGINT PRIMARY KEY REFERENCES films(id) ON DELETE CASCADE,
            enabled    BIGINT NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
            sites      TEXT NOT NULL DEFAULT '[]',
            updated_at TEXT NOT NULL
        );
        ALTER TABLE plays ADD COLUMN site TEXT NOT NULL DEFAULT '';
        ALTER TABLE plays ADD COLUMN sketch_slot BIGINT;
        CREATE TABLE stats_film_day_site (
            film_id BIGINT NOT NULL, day BIGINT NOT NULL, site TEXT NOT NULL,
            plays BIGINT NOT NULL DEFAULT 0, views BIGINT NOT NULL DEFAULT 0,
            watch_ms BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (film_id, day, site)
        );
        CREATE INDEX stats_film_day_site_by_day ON stats_film_day_site(day);
        CREATE TABLE audience_sketch_registers (
            film_id        BIGINT NOT NULL,
            register_index BIGINT NOT NULL,
            register_rank  BIGINT NOT NULL,
            PRIMARY KEY (film_id, register_index)
        );
        CREATE TABLE filmmaker_links (
            id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            film_id    BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            language   TEXT NOT NULL CHECK (language IN ('fr','en','es')),
            label      TEXT NOT NULL DEFAULT '',
            created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE INDEX filmmaker_links_by_film ON filmmaker_links(film_id);
        ALTER TABLE users ADD COLUMN disabled_at TEXT;
        CREATE TABLE account_invitations (
            id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            role       TEXT NOT NULL CHECK (role IN ('curator','organizer')),
            email      TEXT NOT NULL DEFAULT '',
            note       TEXT NOT NULL DEFAULT '',
            created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at    TEXT,
            used_by    BIGINT REFERENCES users(id) ON DELETE SET NULL,
            revoked_at TEXT
        );
        CREATE TABLE audit_log (
            id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            at          TEXT NOT NULL,
            actor_id    BIGINT REFERENCES users(id) ON DELETE SET NULL,
            actor_email TEXT NOT NULL DEFAULT '',
            action      TEXT NOT NULL,
            subject     TEXT NOT NULL DEFAULT '',
            details     TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_log_by_time ON audit_log(at);
        )sql"},
        // PostgreSQL's btree entries hold at most 2,704 bytes: a comment at its length limit (2,000
        // characters, up to 8,000 bytes) could not be stored. The same-text rule keys on the text's MD5
        // there; SQLite has no such limit and keeps its index.
        {R"sql(
        SELECT 1;
        )sql", R"sql(
        DROP INDEX feedback_comments_same_text;
        CREATE UNIQUE INDEX feedback_comments_same_text ON feedback_comments(film_id, author_hash, md5(text));
        )sql"},
    };
    return steps;
}

namespace {

// Foreign keys off for the lifetime of this object, on again after.
class foreign_keys_off {
public:
    explicit foreign_keys_off(database& db) : db_(db) { db_.exec("PRAGMA foreign_keys = OFF"); }
    ~foreign_keys_off() {
        try {
            db_.exec("PRAGMA foreign_keys = ON");
        } catch (...) {
        }
    }
    foreign_keys_off(const foreign_keys_off&) = delete;
    foreign_keys_off& operator=(const foreign_keys_off&) = delete;

private:
    database& db_;
};

}  // namespace

namespace {

// PostgreSQL keeps the schema version in a one-row table (SQLite in PRAGMA user_version). Made under
// the catalog lock, so nodes starting at once make it once.
int postgresql_version(database& db) {
    auto st = db.prepare("SELECT version FROM schema_version");
    return st.step() ? static_cast<int>(st.int64(0)) : 0;
}

int migrate_postgresql(database& db) {
    {
        transaction tx(db);
        db.exec(R"sql(
            CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);
            INSERT INTO schema_version (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version);
        )sql");
        tx.commit();
    }
    const auto& steps = migrations();
    int version = postgresql_version(db);
    if (version > static_cast<int>(steps.size()))
        throw invalid("schema_too_new", "catalog schema version " + std::to_string(version) +
                                            " is newer than this program knows (" +
                                            std::to_string(steps.size()) + ")");
    while (version < static_cast<int>(steps.size())) {
        // Each step in a transaction holding the catalog lock: of nodes starting at once, one migrates
        // and the others find the step done.
        transaction tx(db);
        version = postgresql_version(db);
        if (version >= static_cast<int>(steps.size())) break;
        // Steps from before PostgreSQL have no text of their own: the baseline step creates their result.
        const auto text = steps[static_cast<std::size_t>(version)].postgresql;
        if (!text.empty()) db.exec(text);
        db.prepare("UPDATE schema_version SET version = ?1").bind(1, version + 1).run();
        tx.commit();
        ++version;
    }
    return version;
}

}  // namespace

int migrate(database& db) {
    if (db.dialect() == sql_dialect::postgresql) return migrate_postgresql(db);
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
    // A step may rebuild a table (SQLite's ALTER TABLE procedure): dropping the old table with foreign
    // keys on would cascade into its children. The pragma only takes effect outside a transaction, so
    // it is off for the whole run, and each step is checked before it commits.
    std::optional<foreign_keys_off> keys_off;
    if (version < static_cast<int>(steps.size())) keys_off.emplace(db);
    while (version < static_cast<int>(steps.size())) {
        transaction tx(db);
        // Re-read inside the write lock: another process may have migrated meanwhile.
        version = read_version();
        if (version >= static_cast<int>(steps.size())) break;
        db.exec(steps[static_cast<std::size_t>(version)].sqlite);
        if (db.prepare("PRAGMA foreign_key_check").step())
            throw invalid("schema_broken", "catalog migration " + std::to_string(version + 1) +
                                               " would break a foreign key");
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
