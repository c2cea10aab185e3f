#pragma once
// The live audience: plays in memory (the catalog's audience_ledger behind a mutex), viewer hashes
// keyed by a salt that changes every UTC day, and the batch that the audience writer drains into the
// catalog. Every call is cheap and never touches the catalog, except those taking a database.
// On a shared catalog (several nodes, docs/nodes.md) the day keys and live counts go through it too,
// and a play another node started is adopted from its row.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "catalog/audience.hpp"
#include "catalog/audience_nodes.hpp"
#include "server/audience/viewer_token.hpp"
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
    // Other nodes may share the catalog (a PostgreSQL catalog, or a node name set): play rows are written
    // at every flush, day keys are the catalog's, live counts are summed over nodes.
    bool shared_catalog = false;
    std::int64_t node_fresh_ms = 10'000;  // a node whose live counts are older than this is gone
    // The key placing viewer tokens in the whole-run sketches (audience-sketch.secret in the data
    // folder, made at first start); empty: a random key for this process only.
    std::filesystem::path sketch_key_file;
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
    bool has_key(std::int64_t unix_day);

private:
    std::mutex mutex_;
    std::map<std::int64_t, viewer_hasher> keys_;  // by unix day; today and yesterday only
};

// `moved`: this server handed its audience over to its successor; the client is to ask again there.
// `ask_catalog`: on a shared catalog, the play is unknown here or was quiet here for a while (another
// node may hold it now): read its row (off the I/O threads), adopt it, then try again.
enum class play_outcome { accepted, unknown, expired, not_yours, other_film, moved, ask_catalog };

class audience_registry {
public:
    explicit audience_registry(audience_settings settings);

    struct viewer {
        std::string address;
        std::string user_agent;
        std::string country;  // ISO 3166 alpha-2 from the geo database, "" when unknown
    };
    // Where a play start comes from besides its viewer: the browser's viewer token (checked shaped by
    // the caller; only its slot is kept), and the embedding site the film allows ("" = our own pages).
    struct play_origin {
        std::optional<std::string> viewer_token;
        std::string site;
    };
    // A new play of a film by this viewer: its random id and the token that later proves it to a
    // rating (handed to this viewer only, never logged). Without id, `result` says why it was refused.
    struct started_play {
        catalog::start_result result;
        std::string id;
        std::string token;
        bool moved = false;  // not started: the audience was handed over to a successor
    };
    // On a shared catalog `db` tells whether this viewer's view was counted on another node this hour.
    started_play start_play(std::int64_t film_id, std::optional<double> runtime_seconds, const viewer& who,
                            catalog::database* db = nullptr, const play_origin& origin = {});
    // A heartbeat (or the final beacon): the play must be known, alive, this viewer's and, when the
    // client names a film, that film. Nothing changes unless the outcome is `accepted`; then
    // `played_film`, when given, is set to the play's film.
    play_outcome heartbeat(const std::string& play_id, const catalog::viewer_heartbeat& beat, bool final,
                           const viewer& who, std::optional<std::int64_t> film_id,
                           std::optional<double> reported_runtime, std::int64_t* played_film = nullptr,
                           bool may_ask_catalog = true);
    // Adopts the play's catalog row when it is newer than what this node knows; false when there is none.
    bool adopt(catalog::database& db, const std::string& play_id);

    // The play a rating names, when it exists (in memory, or else in the catalog) and `token` is the
    // one its player was given; nullopt otherwise, whichever of the two is wrong.
    std::optional<catalog::play_for_rating> play_for_rating(catalog::database& db, const std::string& play_id,
                                                            const std::string& token);

    catalog::live_counts live();
    // This node's live counts plus every other node's written in the last node_fresh_ms (shared catalog).
    catalog::live_counts festival_live();
    // Shared catalog: names this node, and takes the day keys from the catalog before it serves.
    void join_nodes(catalog::database& db, const std::string& node_name);
    // Shared catalog, about once a second: writes this node's live counts, reads the others', and
    // refreshes the day keys now and then. Nothing otherwise.
    void sync_nodes(catalog::database& db);
    // Shared catalog, at a clean stop: this node's live counts leave the figures at once.
    void leave_nodes(catalog::database& db);
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
    viewer_token_hasher viewer_tokens_;  // viewer tokens → sketch slots
    std::mutex mutex_;  // guards ledger_
    catalog::audience_ledger ledger_;
    bool handed_over_ = false;  // guarded by mutex_
    std::mutex flush_mutex_;  // one batch at a time, in order
    catalog::stats_batch unwritten_;
    std::int64_t last_prune_ms_ = 0;
    // Shared catalog: the other nodes' live counts as last read (guarded by nodes_mutex_); this node's
    // name, when the day keys and this node's row were last written (the audience writer's own).
    std::mutex nodes_mutex_;
    std::vector<catalog::node_live> other_nodes_;
    std::string node_name_;
    std::int64_t keys_synced_ms_ = 0;
    std::int64_t live_written_ms_ = 0;
    catalog::live_counts live_written_;
};

// The hex BLAKE2b of a play token, as kept in memory and in the catalog.
std::string play_token_hash(const std::string& token);

}  // namespace festival::server
