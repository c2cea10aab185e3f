#include "server/api/film_availability.hpp"

namespace festival::server {
namespace {

std::atomic<std::uint64_t> next_version{1};

}  // namespace

country_rule::country_rule(const std::vector<std::string>& countries) : everywhere_(countries.empty()) {
    for (const auto& text : countries)
        if (const auto code = geo::country_code::from(text); code.known()) allowed_.set(static_cast<std::size_t>(code.index()));
}

film_availability::film_availability()
    : films_(std::make_shared<const snapshot>()), version_(next_version++) {}

void film_availability::replace(const std::vector<catalog::film>& films,
                                const std::map<std::int64_t, catalog::film_rights>& rights) {
    auto fresh = std::make_shared<snapshot>();
    for (const auto& f : films) {
        film_window w;
        w.id = f.id;
        w.window = catalog::screening_window_of(f);
        w.media_version = f.media_version;
        w.previous_version = f.previous_version;
        w.version_switched_at = f.version_switched_at;
        if (const auto rules = rights.find(f.id); rules != rights.end()) {
            w.countries = country_rule(rules->second.countries);
            w.gated = rules->second.gated();
        }
        fresh->emplace(f.id, w);
    }
    std::lock_guard lock(mutex_);
    films_ = std::move(fresh);
    version_.store(next_version++, std::memory_order_release);
}

std::optional<film_window> film_availability::find(std::int64_t film_id) const {
    struct thread_copy {
        std::uint64_t version = 0;
        std::shared_ptr<const snapshot> films;
    };
    thread_local thread_copy mine;
    if (mine.version != version_.load(std::memory_order_acquire)) {
        std::lock_guard lock(mutex_);
        mine.films = films_;
        mine.version = version_.load(std::memory_order_relaxed);
    }
    if (auto it = mine.films->find(film_id); it != mine.films->end()) return it->second;
    return std::nullopt;
}

bool film_availability::serves_version(const film_window& w, std::int64_t version, std::int64_t now,
                                       std::int64_t grace_seconds) {
    if (w.media_version == version) return true;
    return w.previous_version == version && w.version_switched_at && now < *w.version_switched_at + grace_seconds;
}

}  // namespace festival::server
