#pragma once
// How many people watched over the festival's whole run, without knowing who: a HyperLogLog sketch
// (2^14 registers, standard error 1.04/√16384 ≈ 0.81 %) per film and for the whole festival (film_id 0),
// fed only by plays that earned a view. A play keeps only its viewer token's register and rank (its
// "slot"), never the token; registers are merged by maximum, so nodes write them in any order
// (`audience_sketch_registers`, docs/statistics.md).
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace festival::catalog {

class database;

constexpr int sketch_precision = 14;
constexpr std::size_t sketch_registers = std::size_t{1} << sketch_precision;
// The whole festival's sketch lives under this film id.
constexpr std::int64_t festival_sketch = 0;

// A viewer token's place in a sketch: register index (the hash's first 14 bits) and rank (1 + leading
// zeros of the rest). Stored on a play as index * 64 + rank.
struct sketch_slot {
    std::uint32_t index = 0;
    std::uint8_t rank = 0;
    std::int64_t stored() const { return static_cast<std::int64_t>(index) * 64 + rank; }
    static std::optional<sketch_slot> from_stored(std::int64_t value);
};

// The slot of a 64-bit hash of a viewer token (the caller hashes the token with the festival's key).
sketch_slot slot_of_hash(std::uint64_t hash);

class viewer_sketch {
public:
    viewer_sketch() { registers_.fill(0); }
    void add(sketch_slot slot);
    void merge(const viewer_sketch& other);
    std::uint8_t rank_at(std::uint32_t index) const { return registers_[index]; }
    // The estimated number of distinct tokens added (bias-corrected HyperLogLog, linear counting for small
    // cardinalities).
    double estimate() const;

private:
    std::array<std::uint8_t, sketch_registers> registers_;
};

struct unique_viewers_estimate {
    std::int64_t estimate = 0;       // rounded
    double relative_error = 0;       // the standard error stated in docs/statistics.md
};

// Raises the stored registers of these films' sketches (and the festival's) to at least the slots'
// ranks; additive, so every node may write in its own audience flush transaction.
void raise_sketch_registers(database& db, const std::vector<std::pair<std::int64_t, sketch_slot>>& film_slots);
viewer_sketch load_viewer_sketch(database& db, std::int64_t film_id);
// Whole-run unique viewers of a film (or the festival: festival_sketch); 0 for a sketch never fed.
unique_viewers_estimate whole_run_unique_viewers(database& db, std::int64_t film_id);
// The same for every sketch that holds anything (the festival's under festival_sketch), or one, in one
// query: the catalog sums the registers, so a read moves one row per sketch.
std::map<std::int64_t, unique_viewers_estimate> whole_run_unique_viewers_by_film(
    database& db, std::optional<std::int64_t> film_id = std::nullopt);
// 1.04/√16384: the standard error of every estimate.
double sketch_relative_error();

}  // namespace festival::catalog
