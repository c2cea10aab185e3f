#pragma once
// Which films may be streamed right now, kept in memory so serving a segment never queries SQLite.
// Refreshed after every catalog change this server makes and every few seconds (transcoders in
// other processes publish new versions).
#include <atomic>
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "catalog/film_rights.hpp"
#include "catalog/films.hpp"
#include "catalog/screening_window.hpp"
#include "server/geo/country_database.hpp"

namespace festival::server {

// Where a film may be shown, as /media checks it on every request: a bit per two-letter code, so a
// check neither allocates nor compares strings.
class country_rule {
public:
    country_rule() = default;
    explicit country_rule(const std::vector<std::string>& countries);
    bool everywhere() const { return everywhere_; }
    // A country the database does not know is refused wherever a rule exists.
    bool allows(geo::country_code country) const {
        return everywhere_ || (country.known() && allowed_.test(static_cast<std::size_t>(country.index())));
    }
    bool operator==(const country_rule&) const = default;

private:
    bool everywhere_ = true;
    std::bitset<26 * 26> allowed_;
};

struct film_window {
    std::int64_t id = 0;
    catalog::screening_window window;  // the catalog's own rule, so /media agrees with its "screening"
    std::optional<std::int64_t> media_version;
    std::optional<std::int64_t> previous_version;  // served until version_switched_at + the grace period
    std::optional<std::int64_t> version_switched_at;
    country_rule countries;  // the rights rules (catalog/film_rights) that /media and heartbeats check
    bool gated = false;      // streamed only to registered viewer passes
};

// Read on every segment request by every I/O thread, replaced every few seconds: each thread keeps
// the snapshot it last read and looks films up there, taking the lock only when a newer snapshot
// exists. A lookup so writes no memory another thread reads (a shared lock's count would bounce
// between the cores on every request).
class film_availability {
public:
    film_availability();
    void replace(const std::vector<catalog::film>& films, const std::map<std::int64_t, catalog::film_rights>& rights = {});
    std::optional<film_window> find(std::int64_t film_id) const;
    // True when anyone may stream the film at `now`.
    static bool screening(const film_window& w, std::int64_t now) { return w.window.screening_at(now); }
    // True when viewers may fetch `version` at `now`: the current one, or the previous one for
    // `grace_seconds` after the switch (players that started it finish; any older one is gone).
    static bool serves_version(const film_window& w, std::int64_t version, std::int64_t now,
                               std::int64_t grace_seconds);

private:
    using snapshot = std::map<std::int64_t, film_window>;
    mutable std::mutex mutex_;
    std::shared_ptr<const snapshot> films_;
    std::atomic<std::uint64_t> version_;  // unique among all instances: a thread's copy names one
};

}  // namespace festival::server
