// The audience ledger's state as JSON, handed from a festival to its successor on a restart (through
// a pipe, never a file: viewer hashes stay in memory).
#include <nlohmann/json.hpp>

#include "catalog/audience.hpp"

namespace festival::catalog {

nlohmann::json audience_ledger::hand_over_state() const {
    nlohmann::json plays = nlohmann::json::object();
    for (const auto& [id, p] : plays_) {
        plays[id] = {{"film_id", p.film_id},
                     {"viewer_hash", p.viewer_hash},
                     {"country", p.country},
                     {"site", p.site},
                     {"sketch_slot", p.slot ? nlohmann::json(p.slot->stored()) : nlohmann::json()},
                     {"started_ms", p.started_ms},
                     {"last_ms", p.last_ms},
                     {"runtime", p.runtime ? nlohmann::json(*p.runtime) : nlohmann::json()},
                     {"measured", p.measured},
                     {"credited_ms", p.credited_ms},
                     {"furthest", p.furthest},
                     {"ranges", p.ranges.ranges()},
                     {"watched", p.watched.to_string()},
                     {"token_hash", p.token_hash},
                     {"viewed_at", p.viewed_at ? nlohmann::json(*p.viewed_at) : nlohmann::json()},
                     {"reached_view", p.reached_view},
                     {"completed", p.completed},
                     {"ended", p.ended},
                     {"saved_ms", p.saved_ms ? nlohmann::json(*p.saved_ms) : nlohmann::json()}};
    }
    nlohmann::json addresses = nlohmann::json::object();
    for (const auto& [key, a] : addresses_) {
        nlohmann::json viewers = nlohmann::json::array();
        for (const auto& [film_day, hashes] : a.viewers)
            viewers.push_back({{"film_id", film_day.first}, {"day", film_day.second}, {"hashes", hashes}});
        addresses[key] = {{"plays", a.plays}, {"starts", a.starts}, {"viewers", viewers}};
    }
    return {{"plays", plays},
            {"last_counted_view", last_counted_view_},
            {"plays_per_viewer", plays_per_viewer_},
            {"addresses", addresses}};
}

void audience_ledger::take_over_state(const nlohmann::json& state) {
    plays_.clear();
    for (const auto& [id, j] : state.at("plays").items()) {
        play p;
        p.film_id = j.at("film_id");
        p.viewer_hash = j.at("viewer_hash");
        p.country = j.value("country", std::string());  // a predecessor from before countries: unknown
        p.site = j.value("site", std::string());         // … or before sites: the festival's own pages
        if (const auto slot = j.find("sketch_slot"); slot != j.end() && slot->is_number_integer())
            p.slot = sketch_slot::from_stored(slot->get<std::int64_t>());
        p.started_ms = j.at("started_ms");
        p.last_ms = j.at("last_ms");
        if (!j.at("runtime").is_null()) p.runtime = j.at("runtime").get<double>();
        p.measured = j.at("measured");
        p.credited_ms = j.at("credited_ms");
        p.furthest = j.at("furthest");
        for (const auto& [from, to] : j.at("ranges").get<std::vector<std::pair<double, double>>>())
            p.ranges.add(from, to, static_cast<std::size_t>(-1));
        p.watched = std::bitset<retention_buckets>(j.at("watched").get<std::string>());
        p.token_hash = j.at("token_hash");
        if (!j.at("viewed_at").is_null()) p.viewed_at = j.at("viewed_at").get<std::int64_t>();
        p.reached_view = j.at("reached_view");
        p.completed = j.at("completed");
        p.ended = j.at("ended");
        if (!j.at("saved_ms").is_null()) p.saved_ms = j.at("saved_ms").get<std::int64_t>();
        plays_[id] = std::move(p);
    }
    last_counted_view_ = state.at("last_counted_view").get<decltype(last_counted_view_)>();
    plays_per_viewer_ = state.at("plays_per_viewer").get<decltype(plays_per_viewer_)>();
    addresses_.clear();
    for (const auto& [key, j] : state.at("addresses").items()) {
        address_activity a;
        a.plays = j.at("plays").get<std::vector<std::string>>();
        a.starts = j.at("starts").get<std::vector<std::int64_t>>();
        for (const auto& v : j.at("viewers"))
            a.viewers[{v.at("film_id").get<std::int64_t>(), v.at("day").get<std::int64_t>()}] =
                v.at("hashes").get<std::unordered_set<std::string>>();
        addresses_[key] = std::move(a);
    }
    dirty_.clear();
}

}  // namespace festival::catalog
