#pragma once
// The live audience: plays in memory (the catalog's audience_ledger behind a mutex), viewer hashes
// keyed by a salt that changes every UTC day and never leaves memory, and the batch that the
// audience writer drains into SQLite. Every call is cheap and never touches SQLite, except flush().
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "catalog/audience.hpp"
#include "server/config.hpp"
#include "server/http/rate_limiter.hpp"

namespace festival::catalog {
class database;
}

namespace festival::server {

// Unix milliseconds. Tests drive the server's audience clock with the test-clock-file setting.
using audience_clock = std::function<std::int64_t()>;
std::int64_t system_clock_ms();

struct audience_settings {
    catalog::audience_rules rules;
    std::int64_t flush_interval_ms = 1000;
    int heartbeat_seconds = 10;  // told to each player when its play starts
    audience_clock clock = system_clock_ms;
    bool test_clock = false;     // `clock` reads config::test_clock_file
    // The festival's configuration (view threshold, play expiry, flush interval, heartbeat period) and,
    // for tests only, the clock read from config::test_clock_file (unix milliseconds, read at every tick).
    static audience_settings from_config(const config& c);
};

// Keyed BLAKE2b of (address key, user agent, day, film) with the day's random key (a viewer_hasher per
// day). After the day the key is wiped, so a stored hash can no longer be tied to an address.
class daily_viewer_hasher {
public:
    std::string hash(const std::string& address, const std::string& user_agent, std::int64_t unix_day,
                     std::int64_t film_id);
    // The day keys by unix day, in hex, for a restarted server; and taking them over.
    std::map<std::int64_t, std::string> keys_hex();
    void adopt_keys(const std::map<std::int64_t, std::string>& keys);

private:
    std::mutex mutex_;
    std::map<std::int64_t, viewer_hasher> keys_;  // by unix day; today and yesterday only
};

// `moved`: this server handed its audience over to its successor; the client is to ask again there.
enum class play_outcome { accepted, unknown, expired, not_yours, other_film, moved };

class audience_registry {
public:
    explicit audience_registry(audience_settings settings);

    struct viewer {
        std::string address;
        std::string user_agent;
        std::string country;  // ISO 3166 alpha-2 from the geo database, "" when unknown
    };
    // A new play of a film by this viewer: its random id and the token that later proves it to a
    // rating (handed to this viewer only, never logged). Without id, `result` says why it was refused.
    struct started_play {
        catalog::start_result result;
        std::string id;
        std::string token;
        bool moved = false;  // not started: the audience was handed over to a successor
    };
    started_play start_play(std::int64_t film_id, std::optional<double> runtime_seconds, const viewer& who);
    // A heartbeat (or the final beacon): the play must be known, alive, this viewer's and, when the
    // client names a film, that film. Nothing changes unless the outcome is `accepted`; then
    // `played_film`, when given, is set to the play's film.
    play_outcome heartbeat(const std::string& play_id, const catalog::viewer_heartbeat& beat, bool final,
                           const viewer& who, std::optional<std::int64_t> film_id,
                           std::optional<double> reported_runtime, std::int64_t* played_film = nullptr);

    // The play a rating names, when it exists (in memory, or else in the catalog) and `token` is the
    // one its player was given; nullopt otherwise, whichever of the two is wrong.
    std::optional<catalog::play_for_rating> play_for_rating(catalog::database& db, const std::string& play_id,
                                                            const std::string& token);

    catalog::live_counts live();
    // Samples live counts for this minute's peaks and forgets long-expired plays.
    void tick();
    // Writes what changed since the last flush in one transaction (with every changed play's row when
    // `every_play`, as on shutdown). Serialized; a failed batch is kept and written with the next one.
    // Once a minute it also deletes the rows of plays older than the rules' play_row_retention_ms.
    void flush(catalog::database& db, bool every_play = false);

    // For a restart: from now on plays neither start nor change here (`moved`); every play's row is
    // written, and the state returned lets the successor go on exactly: plays, limits, day keys.
    std::string hand_over(catalog::database& db);
    // In the successor, before it serves: takes that state over.
    void take_over(const std::string& state);

    std::int64_t now_ms() const { return settings_.clock(); }
    const audience_settings& settings() const { return settings_; }

private:
    audience_settings settings_;
    daily_viewer_hasher hasher_;
    viewer_hasher address_hasher_;  // address keys as the ledger's limits see them (never stored)
    std::mutex mutex_;  // guards ledger_
    catalog::audience_ledger ledger_;
    bool handed_over_ = false;  // guarded by mutex_
    std::mutex flush_mutex_;  // one batch at a time, in order
    catalog::stats_batch unwritten_;
    std::int64_t last_prune_ms_ = 0;
};

// The hex BLAKE2b of a play token, as kept in memory and in the catalog.
std::string play_token_hash(const std::string& token);

}  // namespace festival::server
