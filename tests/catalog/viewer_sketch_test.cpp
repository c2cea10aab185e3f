// Whole-run unique viewers: the HyperLogLog sketch (2^14 registers), its estimate and its registers in
// the catalog. The bound checked is 3 standard errors, σ = 1.04/√16384 ≈ 0.81 % (docs/statistics.md):
// 99.7 % of sketches land within it, and these fixed inputs always give the same sketch.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "catalog/database.hpp"
#include "catalog/viewer_sketch.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

namespace {

// Well-mixed 64-bit values standing for keyed hashes of distinct viewer tokens (splitmix64).
std::uint64_t token_hash(std::uint64_t n) {
    std::uint64_t z = n * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E5B1ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

const double sigma = 1.04 / std::sqrt(16384.0);

void check_within_three_sigma(double estimate, double truth) {
    CAPTURE(truth);
    CAPTURE(estimate);
    CHECK(std::abs(estimate - truth) <= 3 * sigma * truth);
}

}  // namespace

TEST_CASE("the sketch's standard error is 1.04/sqrt(16384)") {
    CHECK(sketch_relative_error() == doctest::Approx(0.008125));
    CHECK(sketch_registers == 16384);
}

TEST_CASE("a hash's slot is its first 14 bits and 1 + the leading zeros of the other 50") {
    CHECK(slot_of_hash(0).index == 0);
    CHECK(slot_of_hash(0).rank == 51);  // all 50 bits zero: the cap
    CHECK(slot_of_hash(~std::uint64_t{0}).index == 16383);
    CHECK(slot_of_hash(~std::uint64_t{0}).rank == 1);
    const std::uint64_t index_5_rank_3 = (std::uint64_t{5} << 50) | (std::uint64_t{1} << 47);
    CHECK(slot_of_hash(index_5_rank_3).index == 5);
    CHECK(slot_of_hash(index_5_rank_3).rank == 3);
    const auto slot = slot_of_hash(token_hash(7));
    REQUIRE(sketch_slot::from_stored(slot.stored()));
    CHECK(sketch_slot::from_stored(slot.stored())->index == slot.index);
    CHECK(sketch_slot::from_stored(slot.stored())->rank == slot.rank);
    CHECK_FALSE(sketch_slot::from_stored(-1));
    CHECK_FALSE(sketch_slot::from_stored(64 * 5));          // rank 0
    CHECK_FALSE(sketch_slot::from_stored(64 * 5 + 52));     // beyond the cap
    CHECK_FALSE(sketch_slot::from_stored(64 * 16384 + 1));  // no such register
}

TEST_CASE("0, 1, 1,000, 10,000 and 100,000 distinct tokens are estimated within 3 standard errors") {
    viewer_sketch sketch;
    CHECK(sketch.estimate() == 0);
    sketch.add(slot_of_hash(token_hash(0)));
    CHECK(std::llround(sketch.estimate()) == 1);
    std::uint64_t added = 1;
    for (const std::uint64_t target : {1'000, 10'000, 100'000}) {
        for (; added < target; ++added) sketch.add(slot_of_hash(token_hash(added)));
        check_within_three_sigma(sketch.estimate(), static_cast<double>(target));
    }
}

TEST_CASE("adding the same token again, or merging a sketch into itself, changes nothing") {
    viewer_sketch sketch;
    for (std::uint64_t n = 0; n < 5'000; ++n) sketch.add(slot_of_hash(token_hash(n)));
    const double once = sketch.estimate();
    for (std::uint64_t n = 0; n < 5'000; ++n) sketch.add(slot_of_hash(token_hash(n)));
    CHECK(sketch.estimate() == once);
    const viewer_sketch copy = sketch;
    sketch.merge(copy);
    CHECK(sketch.estimate() == once);
}

TEST_CASE("merging two sketches gives the sketch of the union") {
    viewer_sketch first, second, both;
    // 0..29,999 and 20,000..49,999: 50,000 distinct, 10,000 in both.
    for (std::uint64_t n = 0; n < 30'000; ++n) first.add(slot_of_hash(token_hash(n)));
    for (std::uint64_t n = 20'000; n < 50'000; ++n) second.add(slot_of_hash(token_hash(n)));
    for (std::uint64_t n = 0; n < 50'000; ++n) both.add(slot_of_hash(token_hash(n)));
    first.merge(second);
    for (std::uint32_t i = 0; i < sketch_registers; ++i) REQUIRE(first.rank_at(i) == both.rank_at(i));
    check_within_three_sigma(first.estimate(), 50'000);
}

TEST_CASE("registers written by two nodes in either order give the same stored sketch") {
    std::vector<std::pair<std::int64_t, sketch_slot>> node_a, node_b;
    viewer_sketch film_3, festival;
    for (std::uint64_t n = 0; n < 3'000; ++n) {
        const auto slot = slot_of_hash(token_hash(n));
        // Node a counted films 3 (even tokens) and 4 (odd) below 2,000, node b film 3 from 1,000: film 3
        // has 1,000 + 2,000 - 500 distinct tokens.
        if (n < 2'000) node_a.push_back({n % 2 ? 4 : 3, slot});
        if (n >= 1'000) node_b.push_back({3, slot});
        if ((n < 2'000 && n % 2 == 0) || n >= 1'000) film_3.add(slot);
        festival.add(slot);
    }
    auto a_then_b = festival::test::open_fresh_catalog();
    auto b_then_a = festival::test::open_fresh_catalog();
    raise_sketch_registers(a_then_b, node_a);
    raise_sketch_registers(a_then_b, node_b);
    raise_sketch_registers(b_then_a, node_b);
    raise_sketch_registers(b_then_a, node_a);
    // A node writing the same slots again (a retried flush) lowers nothing.
    raise_sketch_registers(b_then_a, node_b);
    for (const std::int64_t sketch : {std::int64_t{3}, std::int64_t{4}, festival_sketch}) {
        CAPTURE(sketch);
        const auto one = load_viewer_sketch(a_then_b, sketch), other = load_viewer_sketch(b_then_a, sketch);
        for (std::uint32_t i = 0; i < sketch_registers; ++i) REQUIRE(one.rank_at(i) == other.rank_at(i));
        // The catalog's sum gives the same estimate as the sketch read back.
        CHECK(whole_run_unique_viewers(a_then_b, sketch).estimate == std::llround(one.estimate()));
        CHECK(whole_run_unique_viewers(b_then_a, sketch).estimate == std::llround(other.estimate()));
    }
    const auto film_3_stored = load_viewer_sketch(a_then_b, 3);
    for (std::uint32_t i = 0; i < sketch_registers; ++i) REQUIRE(film_3_stored.rank_at(i) == film_3.rank_at(i));
    check_within_three_sigma(static_cast<double>(whole_run_unique_viewers(a_then_b, festival_sketch).estimate), 3'000);
    check_within_three_sigma(static_cast<double>(whole_run_unique_viewers(a_then_b, 3).estimate), 2'500);
    check_within_three_sigma(static_cast<double>(whole_run_unique_viewers(a_then_b, 4).estimate), 1'000);
    const auto all = whole_run_unique_viewers_by_film(a_then_b);
    CHECK(all.size() == 3);
    CHECK(all.at(4).estimate == whole_run_unique_viewers(a_then_b, 4).estimate);
    CHECK(all.at(4).relative_error == doctest::Approx(0.008125));
    CHECK(whole_run_unique_viewers(a_then_b, 99).estimate == 0);  // a film no one viewed
}
