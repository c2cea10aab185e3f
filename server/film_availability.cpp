#include "server/film_availability.hpp"

#include "catalog/clock.hpp"

namespace festival::server {

void film_availability::replace(const std::vector<catalog::film>& films) {
    std::map<std::int64_t, film_window> fresh;
    for (const auto& f : films) {
        film_window w;
        w.id = f.id;
        w.published = f.published;
        if (f.available_from) w.available_from = catalog::parse_utc(*f.available_from);
        if (f.available_until) w.available_until = catalog::parse_utc(*f.available_until);
        w.media_version = f.media_version;
        fresh.emplace(f.id, w);
    }
    std::unique_lock lock(mutex_);
    films_.swap(fresh);
}

std::optional<film_window> film_availability::find(std::int64_t film_id) const {
    std::shared_lock lock(mutex_);
    if (auto it = films_.find(film_id); it != films_.end()) return it->second;
    return std::nullopt;
}

bool film_availability::screening(const film_window& w, std::int64_t now) {
    if (!w.published) return false;
    if (w.available_from && now < *w.available_from) return false;
    if (w.available_until && now >= *w.available_until) return false;
    return true;
}

}  // namespace festival::server
