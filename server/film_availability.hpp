#pragma once
// Which films may be streamed right now, kept in memory so serving a segment never queries SQLite.
// Refreshed after every catalog change this server makes and every few seconds (transcoders in
// other processes publish new versions).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "catalog/films.hpp"

namespace festival::server {

struct film_window {
    std::int64_t id = 0;
    bool published = false;
    std::optional<std::int64_t> available_from;   // unix seconds
    std::optional<std::int64_t> available_until;
    std::optional<std::int64_t> media_version;
};

class film_availability {
public:
    void replace(const std::vector<catalog::film>& films);
    std::optional<film_window> find(std::int64_t film_id) const;
    // True when anyone may stream the film at `now`.
    static bool screening(const film_window& w, std::int64_t now);

private:
    mutable std::shared_mutex mutex_;
    std::map<std::int64_t, film_window> films_;
};

}  // namespace festival::server
