#include "catalog/viewer_sketch.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>

#include "catalog/database.hpp"

namespace festival::catalog {
namespace {

constexpr int rank_bits = 64 - sketch_precision;           // the hash's bits after the register index
constexpr std::uint8_t max_rank = rank_bits + 1;           // all of them zero
constexpr double registers_count = static_cast<double>(sketch_registers);

// Flajolet et al.'s bias correction for m registers (m ≥ 128).
constexpr double alpha = 0.7213 / (1.0 + 1.079 / registers_count);

// The estimate from Σ 2^-rank over every register (0 for an empty one counts 1) and the number of empty
// registers. With a 64-bit hash collisions are negligible, so no large-range correction is needed.
double estimate_from(double inverse_sum, std::size_t empty_registers) {
    const double raw = alpha * registers_count * registers_count / inverse_sum;
    // Small cardinalities: linear counting on the empty registers is far more precise than the raw estimate.
    if (raw <= 2.5 * registers_count && empty_registers > 0)
        return registers_count * std::log(registers_count / static_cast<double>(empty_registers));
    return raw;
}

// 1.04/√m: the standard error of the estimate (docs/statistics.md).
const double standard_error = 1.04 / std::sqrt(registers_count);

}  // namespace

std::optional<sketch_slot> sketch_slot::from_stored(std::int64_t value) {
    if (value < 0) return std::nullopt;
    const auto index = value / 64, rank = value % 64;
    if (index >= static_cast<std::int64_t>(sketch_registers) || rank < 1 || rank > max_rank) return std::nullopt;
    return sketch_slot{static_cast<std::uint32_t>(index), static_cast<std::uint8_t>(rank)};
}

sketch_slot slot_of_hash(std::uint64_t hash) {
    constexpr std::uint64_t rest_mask = (std::uint64_t{1} << rank_bits) - 1;
    const auto rest = hash & rest_mask;
    // Leading zeros of the remaining 50 bits (the mask leaves the top 14 bits zero): 50 when all are.
    const auto zeros = std::countl_zero(rest) - sketch_precision;
    return {static_cast<std::uint32_t>(hash >> rank_bits), static_cast<std::uint8_t>(1 + zeros)};
}

void viewer_sketch::add(sketch_slot slot) {
    auto& r = registers_.at(slot.index);
    r = std::max(r, slot.rank);
}

void viewer_sketch::merge(const viewer_sketch& other) {
    for (std::size_t i = 0; i < sketch_registers; ++i) registers_[i] = std::max(registers_[i], other.registers_[i]);
}

double viewer_sketch::estimate() const {
    double inverse_sum = 0;
    std::size_t empty = 0;
    for (const auto r : registers_) {
        inverse_sum += std::ldexp(1.0, -static_cast<int>(r));
        empty += r == 0 ? 1 : 0;
    }
    return estimate_from(inverse_sum, empty);
}

void raise_sketch_registers(database& db, const std::vector<std::pair<std::int64_t, sketch_slot>>& film_slots) {
    // The highest rank per (sketch, register), the festival's included, written in key order: the same
    // order on every node, so two nodes' flushes holding row locks cannot deadlock.
    std::map<std::pair<std::int64_t, std::uint32_t>, std::uint8_t> highest;
    for (const auto& [film, slot] : film_slots) {
        if (slot.rank == 0 || slot.index >= sketch_registers) continue;
        for (const auto sketch : {film, festival_sketch}) {
            auto& r = highest[{sketch, slot.index}];
            r = std::max(r, slot.rank);
        }
    }
    if (highest.empty()) return;
    transaction tx(db, write_lock::rows);  // a savepoint inside the audience flush
    auto raise = db.prepare(
        "INSERT INTO audience_sketch_registers (film_id, register_index, register_rank) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (film_id, register_index) DO UPDATE SET register_rank = CASE WHEN excluded.register_rank > "
        "audience_sketch_registers.register_rank THEN excluded.register_rank ELSE "
        "audience_sketch_registers.register_rank END");
    for (const auto& [key, rank] : highest) {
        raise.reset();
        raise.bind(1, key.first).bind(2, static_cast<std::int64_t>(key.second)).bind(3, static_cast<std::int64_t>(rank));
        raise.run();
    }
    tx.commit();
}

viewer_sketch load_viewer_sketch(database& db, std::int64_t film_id) {
    viewer_sketch sketch;
    auto st = db.prepare(
        "SELECT register_index, register_rank FROM audience_sketch_registers WHERE film_id = ?1");
    st.bind(1, film_id);
    while (st.step()) {
        const auto index = st.int64("register_index"), rank = st.int64("register_rank");
        if (index < 0 || index >= static_cast<std::int64_t>(sketch_registers) || rank < 1 || rank > max_rank) continue;
        sketch.add({static_cast<std::uint32_t>(index), static_cast<std::uint8_t>(rank)});
    }
    return sketch;
}

std::map<std::int64_t, unique_viewers_estimate> whole_run_unique_viewers_by_film(database& db,
                                                                                std::optional<std::int64_t> film_id) {
    // Σ 2^-rank over the stored registers, summed in the catalog so a read moves a row per sketch, not
    // 16,384: absent registers are empty (2^0 each). Ranks outside 1..51 are never written.
    std::string sql =
        "SELECT film_id, COUNT(*) AS set_registers, SUM(1.0 / (CAST(1 AS BIGINT) << CAST(register_rank AS INTEGER))) "
        "AS inverse_sum FROM audience_sketch_registers WHERE register_rank BETWEEN 1 AND " +
        std::to_string(max_rank);
    if (film_id) sql += " AND film_id = ?1";
    sql += " GROUP BY film_id";
    auto st = db.prepare(sql);
    if (film_id) st.bind(1, *film_id);
    std::map<std::int64_t, unique_viewers_estimate> out;
    while (st.step()) {
        const auto set = std::min<std::int64_t>(st.int64("set_registers"), sketch_registers);
        const auto empty = static_cast<std::size_t>(sketch_registers - set);
        const double estimate = estimate_from(static_cast<double>(empty) + st.real("inverse_sum"), empty);
        out[st.int64("film_id")] = {static_cast<std::int64_t>(std::llround(estimate)), standard_error};
    }
    return out;
}

unique_viewers_estimate whole_run_unique_viewers(database& db, std::int64_t film_id) {
    const auto found = whole_run_unique_viewers_by_film(db, film_id);
    const auto it = found.find(film_id);
    return it == found.end() ? unique_viewers_estimate{0, standard_error} : it->second;
}

double sketch_relative_error() { return standard_error; }

}  // namespace festival::catalog
