#include "server/audience/audience_registry.hpp"

#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "catalog/accounts.hpp"
#include "catalog/database.hpp"
#include "server/http/client_address.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {

std::int64_t system_clock_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

audience_settings audience_settings::from_config(const config& c) {
    audience_settings s;
    s.rules.view_ms = c.view_seconds * 1000LL;
    s.rules.idle_expiry_ms = c.play_expiry_seconds * 1000LL;
    s.flush_interval_ms = c.audience_flush_ms;
    // One knob for what one address may do: N viewers of a film a day, N starts a minute, 2N open plays.
    s.rules.viewers_per_address = c.viewers_per_address;
    s.rules.starts_per_address_minute = c.viewers_per_address;
    s.rules.open_plays_per_address = 2 * c.viewers_per_address;
    s.heartbeat_seconds = c.heartbeat_seconds;
    s.sketch_key_file = c.layout().audience_sketch_secret();
    const auto location = c.catalog_location();
    s.shared_catalog = !c.node_name.empty() || location.starts_with("postgresql://") || location.starts_with("postgres://");
    // Another node adopting a play reads its row: it must be the last flush's, not up to 30 s older.
    if (s.shared_catalog) s.rules.play_row_ms = 0;
    if (!c.test_clock_file.empty()) {
        s.test_clock = true;
        s.clock = [path = c.test_clock_file] {
            std::ifstream in(path);
            std::int64_t ms = 0;
            if (!(in >> ms)) throw std::runtime_error("cannot read the test clock from " + path);
            return ms;
        };
    }
    return s;
}

std::string play_token_hash(const std::string& token) {
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                       nullptr, 0);
    char hex[sizeof digest * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

std::string daily_viewer_hasher::hash(const std::string& address, const std::string& user_agent, std::int64_t unix_day,
                                std::int64_t film_id) {
    // The address part is the viewer key (an IPv6 /64 as one), so one client cannot be many viewers.
    const std::string message = client_network(address) + '\0' + user_agent + '\0' + std::to_string(unix_day) + '\0' +
                                std::to_string(film_id);
    std::lock_guard lock(mutex_);
    // Keep yesterday's key for plays that started before midnight; drop (and so wipe) anything older.
    std::erase_if(keys_, [unix_day](const auto& day) { return day.first < unix_day - 1; });
    return keys_[unix_day].hash(message);
}

std::map<std::int64_t, std::string> daily_viewer_hasher::keys_hex() {
    std::lock_guard lock(mutex_);
    std::map<std::int64_t, std::string> keys;
    for (const auto& [day, key] : keys_) keys[day] = key.key_hex();
    return keys;
}

bool daily_viewer_hasher::has_key(std::int64_t unix_day) {
    std::lock_guard lock(mutex_);
    return keys_.contains(unix_day);
}

void daily_viewer_hasher::adopt_keys(const std::map<std::int64_t, std::string>& keys) {
    std::lock_guard lock(mutex_);
    for (const auto& [day, hex] : keys) keys_[day].adopt_key(hex);
}

audience_registry::audience_registry(audience_settings settings)
    : settings_(std::move(settings)),
      viewer_tokens_(settings_.sketch_key_file.empty() ? viewer_token_hasher()
                                                       : viewer_token_hasher::from_file(settings_.sketch_key_file)),
      ledger_(settings_.rules) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
}

audience_registry::started_play audience_registry::start_play(std::int64_t film_id,
                                                               std::optional<double> runtime_seconds, const viewer& who,
                                                               catalog::database* db, const play_origin& origin) {
    const auto now = now_ms();
    // On a shared catalog every node hashes a day with the catalog's key: a node that has not read
    // today's key yet (its writer reads it once a minute, and tomorrow's a day ahead) reads it now rather
    // than make one of its own, which the catalog's would replace, and the play would no longer be its
    // viewer's (403 play_not_yours).
    if (settings_.shared_catalog && db && !hasher_.has_key(catalog::day_of(now)))
        hasher_.adopt_keys(
            catalog::shared_day_keys(*db, catalog::day_of(now), [] { return viewer_hasher().key_hex(); }));
    const auto viewer_hash = hasher_.hash(who.address, who.user_agent, catalog::day_of(now), film_id);
    const auto address = address_hasher_.hash(client_network(who.address));
    // A reload that lands on another node is still the same viewer's repeat within the hour.
    std::optional<std::int64_t> viewed_elsewhere;
    if (settings_.shared_catalog && db)
        viewed_elsewhere = catalog::last_counted_view(*db, viewer_hash, now - settings_.rules.view_repeat_ms);
    // The token itself goes no further than this hash.
    std::optional<catalog::sketch_slot> slot;
    if (origin.viewer_token) slot = viewer_tokens_.slot_of(*origin.viewer_token);
    started_play play;
    play.id = catalog::random_token().substr(0, 32);  // 128 random bits, like an upload id
    play.token = catalog::random_token();
    std::lock_guard lock(mutex_);
    if (handed_over_) {
        play.moved = true;
        play.id.clear(), play.token.clear();
        return play;
    }
    if (viewed_elsewhere) ledger_.note_counted_view(viewer_hash, *viewed_elsewhere);
    play.result = ledger_.start_play(play.id, film_id, viewer_hash, runtime_seconds, now, address,
                                     play_token_hash(play.token), who.country, origin.site, slot);
    if (!play.result) play.id.clear(), play.token.clear();
    return play;
}

std::optional<catalog::play_for_rating> audience_registry::play_for_rating(catalog::database& db,
                                                                           const std::string& play_id,
                                                                           const std::string& token) {
    std::optional<catalog::play_for_rating> play;
    {
        std::lock_guard lock(mutex_);
        play = ledger_.rating_view(play_id);
    }
    if (!play) {
        // Forgotten in memory (or before a restart): its last written row.
        if (const auto row = catalog::find_play(db, play_id))
            play = catalog::play_for_rating{row->film_id, row->viewer_hash, row->token_hash, row->reached_view};
    }
    const auto presented = play_token_hash(token);
    if (!play || play->token_hash.size() != presented.size() ||
        sodium_memcmp(play->token_hash.data(), presented.data(), presented.size()) != 0)
        return std::nullopt;
    return play;
}

play_outcome audience_registry::heartbeat(const std::string& play_id, const catalog::viewer_heartbeat& beat,
                                          bool final, const viewer& who, std::optional<std::int64_t> film_id,
                                          std::optional<double> reported_runtime, std::int64_t* played_film,
                                          bool may_ask_catalog) {
    const auto now = now_ms();
    const bool ask = may_ask_catalog && settings_.shared_catalog;
    std::optional<catalog::audience_ledger::binding> bound;
    {
        std::lock_guard lock(mutex_);
        if (handed_over_) return play_outcome::moved;
        bound = ledger_.find(play_id, now);
        if (!bound) {
            const auto state = ledger_.state(play_id, now);
            if (ask && state == catalog::heartbeat_result::unknown) return play_outcome::ask_catalog;
            return state == catalog::heartbeat_result::expired ? play_outcome::expired : play_outcome::unknown;
        }
        // Quiet here for two heartbeat periods: the balancer may have sent it to another node meanwhile.
        if (ask && now - bound->last_ms > 2000LL * settings_.heartbeat_seconds + settings_.rules.tolerance_ms)
            return play_outcome::ask_catalog;
    }
    if (film_id && *film_id != bound->film_id) return play_outcome::other_film;
    // The hash is computed outside the ledger's lock; the play cannot change film or viewer meanwhile.
    if (hasher_.hash(who.address, who.user_agent, catalog::day_of(bound->started_ms), bound->film_id) !=
        bound->viewer_hash)
        return play_outcome::not_yours;
    std::lock_guard lock(mutex_);
    if (handed_over_) return play_outcome::moved;
    if (reported_runtime) ledger_.report_runtime(play_id, *reported_runtime);
    switch (ledger_.heartbeat(play_id, beat, final, now)) {
        case catalog::heartbeat_result::accepted:
            if (played_film) *played_film = bound->film_id;
            return play_outcome::accepted;
        case catalog::heartbeat_result::expired: return play_outcome::expired;
        case catalog::heartbeat_result::unknown: return play_outcome::unknown;
    }
    return play_outcome::unknown;
}

bool audience_registry::adopt(catalog::database& db, const std::string& play_id) {
    const auto row = catalog::find_play(db, play_id);
    if (!row) return false;
    std::lock_guard lock(mutex_);
    if (ledger_.adopt(*row, now_ms())) log_event("play_adopted", {{"play", play_id}});
    return true;
}

std::string audience_registry::hand_over(catalog::database& db) {
    {
        std::lock_guard lock(mutex_);
        handed_over_ = true;
    }
    try {
        flush(db, true);
    } catch (const std::exception& e) {
        // Kept in unwritten_: the last flush on the way out tries again.
        log_event("audience_flush_failed", {{"what", e.what()}});
    }
    nlohmann::json state;
    {
        std::lock_guard lock(mutex_);
        state["ledger"] = ledger_.hand_over_state();
    }
    state["day_keys"] = hasher_.keys_hex();
    state["address_key"] = address_hasher_.key_hex();
    return state.dump();
}

void audience_registry::take_over(const std::string& text) {
    const auto state = nlohmann::json::parse(text);
    hasher_.adopt_keys(state.at("day_keys").get<std::map<std::int64_t, std::string>>());
    address_hasher_.adopt_key(state.at("address_key").get<std::string>());
    std::lock_guard lock(mutex_);
    ledger_.take_over_state(state.at("ledger"));
}

catalog::live_counts audience_registry::live() {
    const auto now = now_ms();
    std::lock_guard lock(mutex_);
    return ledger_.live(now);
}

catalog::live_counts audience_registry::festival_live() {
    auto counts = live();
    if (!settings_.shared_catalog) return counts;
    const auto fresh_since = now_ms() - settings_.node_fresh_ms;
    std::lock_guard lock(nodes_mutex_);
    for (const auto& node : other_nodes_) {
        if (node.updated_at_ms < fresh_since) continue;
        counts.total += node.total;
        for (const auto& [film, n] : node.by_film) counts.by_film[film] += n;
    }
    return counts;
}

void audience_registry::join_nodes(catalog::database& db, const std::string& node_name) {
    if (!settings_.shared_catalog) return;
    node_name_ = node_name;  // before the audience writer starts, which alone reads it afterwards
    log_event("audience_node", {{"node", node_name}});
    sync_nodes(db);
}

// Runs on the audience writer's thread only (join_nodes: before it starts); the catalog is never
// read or written under nodes_mutex_, which I/O threads take to read the other nodes' counts.
void audience_registry::sync_nodes(catalog::database& db) {
    if (!settings_.shared_catalog) return;
    const auto now = now_ms();
    const auto today = catalog::day_of(now);
    // Tomorrow's key is made a day ahead, so every node has it before midnight.
    if (keys_synced_ms_ == 0 || now - keys_synced_ms_ >= 60'000 || !hasher_.has_key(today)) {
        hasher_.adopt_keys(catalog::shared_day_keys(db, today, [] { return viewer_hasher().key_hex(); }));
        keys_synced_ms_ = now;
    }
    auto mine = live();
    // Written when it changed, and every few seconds anyway, so the others see this node is alive.
    if (mine.total != live_written_.total || mine.by_film != live_written_.by_film ||
        now - live_written_ms_ >= settings_.node_fresh_ms / 4) {
        catalog::write_node_live(db, {node_name_, mine.total, mine.by_film, now});
        live_written_ = std::move(mine);
        live_written_ms_ = now;
    }
    auto others = catalog::other_nodes_live(db, node_name_, now - settings_.node_fresh_ms);
    std::lock_guard lock(nodes_mutex_);
    other_nodes_ = std::move(others);
}

void audience_registry::leave_nodes(catalog::database& db) {
    if (settings_.shared_catalog) catalog::forget_node(db, node_name_);
}

void audience_registry::tick() {
    const auto now = now_ms();
    std::lock_guard lock(mutex_);
    ledger_.sample_live(now);
    ledger_.expire(now);
}

void audience_registry::flush(catalog::database& db, bool every_play) {
    std::lock_guard order(flush_mutex_);
    const auto now = now_ms();
    {
        std::lock_guard lock(mutex_);
        unwritten_.merge(ledger_.take_pending(now, every_play));
    }
    if (!unwritten_.empty()) {
        catalog::write_stats_batch(db, unwritten_);  // throws: kept for the next flush
        unwritten_ = {};
    }
    // The plays table stays bounded: a row is only needed to prove a rating's play for a while.
    if (now - last_prune_ms_ >= 60'000) {
        catalog::prune_plays(db, now - settings_.rules.play_row_retention_ms);
        last_prune_ms_ = now;
    }
}

}  // namespace festival::server
