#include "catalog/film_rights.hpp"

#include <sodium.h>

#include <algorithm>
#include <regex>

#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/sql_lists.hpp"

namespace festival::catalog {
namespace {

constexpr std::int64_t most_hours = 24 * 366 * 10;

[[noreturn]] void bad_field(const std::string& field, const std::string& why) {
    throw invalid("invalid_field", "rights." + field + ": " + why);
}

std::optional<std::int64_t> optional_count(const nlohmann::json& j, const char* name, std::int64_t most) {
    if (!j.contains(name) || j[name].is_null()) return std::nullopt;
    if (!j[name].is_number_integer() || j[name].get<std::int64_t>() < 1 || j[name].get<std::int64_t>() > most)
        bad_field(name, "a whole number from 1 to " + std::to_string(most) + ", or null");
    return j[name].get<std::int64_t>();
}

film_rights read_rights_row(statement& st) {
    film_rights rights;
    rights.countries = nlohmann::json::parse(st.text("countries")).get<std::vector<std::string>>();
    rights.max_views = st.optional_int64("max_views");
    rights.start_hours = st.optional_int64("start_hours");
    rights.watch_hours = st.optional_int64("watch_hours");
    return rights;
}

// The pass as stored: a BLAKE2b of the film and the pass, so a stolen catalog names no browser's pass.
std::string pass_hash(std::int64_t film_id, const std::string& pass) {
    const auto input = std::to_string(film_id) + ":" + pass;
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                       nullptr, 0);
    char hex[2 * sizeof digest + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

}  // namespace

film_rights rights_from_json(const nlohmann::json& j) {
    if (j.is_null()) return {};
    if (!j.is_object()) bad_field("", "an object {countries, max_views, start_hours, watch_hours}");
    static const std::regex country_pattern("[A-Z]{2}");
    film_rights rights;
    if (j.contains("countries") && !j["countries"].is_null()) {
        if (!j["countries"].is_array() || j["countries"].size() > 300) bad_field("countries", "a list of country codes");
        for (const auto& c : j["countries"]) {
            if (!c.is_string() || !std::regex_match(c.get<std::string>(), country_pattern))
                bad_field("countries", "ISO 3166 alpha-2 codes in upper case, such as \"FR\"");
            if (std::find(rights.countries.begin(), rights.countries.end(), c.get<std::string>()) == rights.countries.end())
                rights.countries.push_back(c.get<std::string>());
        }
    }
    rights.max_views = optional_count(j, "max_views", 1'000'000'000);
    rights.start_hours = optional_count(j, "start_hours", most_hours);
    rights.watch_hours = optional_count(j, "watch_hours", most_hours);
    return rights;
}

nlohmann::json rights_to_json(const film_rights& rights) {
    auto optional = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    return {{"countries", rights.countries},
            {"max_views", optional(rights.max_views)},
            {"start_hours", optional(rights.start_hours)},
            {"watch_hours", optional(rights.watch_hours)}};
}

film_rights film_rights_of(database& db, std::int64_t film_id) {
    auto found = rights_of_films(db, {film_id});
    return found.empty() ? film_rights{} : found.begin()->second;
}

std::map<std::int64_t, film_rights> every_film_rights(database& db) {
    std::map<std::int64_t, film_rights> out;
    auto st = db.prepare("SELECT film_id, countries, max_views, start_hours, watch_hours FROM film_rights");
    while (st.step()) out.emplace(st.int64("film_id"), read_rights_row(st));
    return out;
}

std::map<std::int64_t, film_rights> rights_of_films(database& db, const std::vector<std::int64_t>& film_ids) {
    std::map<std::int64_t, film_rights> out;
    if (film_ids.empty()) return out;
    auto st = db.prepare(
        "SELECT film_id, countries, max_views, start_hours, watch_hours FROM film_rights "
        "WHERE film_id IN (" + ids_subquery(db, ":ids") + ")");
    st.bind(":ids", ids_json(film_ids));
    while (st.step()) out.emplace(st.int64("film_id"), read_rights_row(st));
    return out;
}

void set_film_rights(database& db, std::int64_t film_id, const film_rights& rights) {
    auto st = db.prepare(
        "INSERT INTO film_rights (film_id, countries, max_views, start_hours, watch_hours) "
        "VALUES (:film, :countries, :max_views, :start_hours, :watch_hours) "
        "ON CONFLICT (film_id) DO UPDATE SET countries = excluded.countries, max_views = excluded.max_views, "
        "start_hours = excluded.start_hours, watch_hours = excluded.watch_hours");
    st.bind(":film", film_id)
        .bind(":countries", nlohmann::json(rights.countries).dump())
        .bind(":max_views", rights.max_views)
        .bind(":start_hours", rights.start_hours)
        .bind(":watch_hours", rights.watch_hours)
        .run();
}

bool pass_shaped(const std::string& pass) {
    return pass.size() == 32 && pass.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::optional<std::int64_t> start_until(const film_rights& rights, const viewer_pass& pass) {
    if (!rights.start_hours) return std::nullopt;
    return pass.registered_at + *rights.start_hours * 3600;
}

std::optional<std::int64_t> watch_until(const film_rights& rights, const viewer_pass& pass) {
    if (!rights.watch_hours || !pass.started_at) return std::nullopt;
    return *pass.started_at + *rights.watch_hours * 3600;
}

pass_refusal window_refusal(const film_rights& rights, const viewer_pass& pass, std::int64_t now) {
    if (!pass.started_at) {
        const auto until = start_until(rights, pass);
        return until && now >= *until ? pass_refusal::start_window : pass_refusal::none;
    }
    const auto until = watch_until(rights, pass);
    return until && now >= *until ? pass_refusal::watch_window : pass_refusal::none;
}

std::optional<viewer_pass> find_pass(database& db, std::int64_t film_id, const std::string& pass) {
    if (!pass_shaped(pass)) return std::nullopt;
    auto st = db.prepare(
        "SELECT registered_at, started_at FROM film_passes WHERE film_id = :film AND pass_hash = :hash");
    st.bind(":film", film_id).bind(":hash", pass_hash(film_id, pass));
    if (!st.step()) return std::nullopt;
    return viewer_pass{st.int64("registered_at"), st.optional_int64("started_at")};
}

std::int64_t film_pass_count(database& db, std::int64_t film_id) {
    auto st = db.prepare("SELECT COUNT(*) FROM film_passes WHERE film_id = :film");
    st.bind(":film", film_id).step();
    return st.int64(0);
}

pass_admission admit_pass(database& db, std::int64_t film_id, const film_rights& rights, const std::string& pass,
                          std::int64_t now, bool play_start) {
    if (!pass_shaped(pass)) throw invalid("invalid_pass", "a viewer pass is 32 lower-case hexadecimal digits");
    // BEGIN IMMEDIATE: the count and the insert below see no other writer between them, in this
    // process or another, so max_views holds exactly.
    transaction tx(db);
    pass_admission admission;
    if (auto known = find_pass(db, film_id, pass)) {
        admission.pass = *known;
    } else {
        if (rights.max_views && film_pass_count(db, film_id) >= *rights.max_views) {
            admission.refusal = pass_refusal::views;
            return admission;  // nothing written: the transaction rolls back
        }
        auto insert = db.prepare(
            "INSERT INTO film_passes (film_id, pass_hash, registered_at) VALUES (:film, :hash, :now)");
        insert.bind(":film", film_id).bind(":hash", pass_hash(film_id, pass)).bind(":now", now).run();
        admission.pass.registered_at = now;
    }
    admission.refusal = window_refusal(rights, admission.pass, now);
    if (admission.refusal == pass_refusal::none && play_start && !admission.pass.started_at) {
        auto started = db.prepare(
            "UPDATE film_passes SET started_at = :now WHERE film_id = :film AND pass_hash = :hash");
        started.bind(":now", now).bind(":film", film_id).bind(":hash", pass_hash(film_id, pass)).run();
        admission.pass.started_at = now;
    }
    tx.commit();
    return admission;
}

}  // namespace festival::catalog
