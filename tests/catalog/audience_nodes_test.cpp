// What server nodes sharing a catalog exchange about the audience: day keys and live counts.
#include <doctest/doctest.h>

#include "catalog/audience_nodes.hpp"
#include "catalog/database.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

TEST_CASE("the first node to ask makes a day's key, every other reads it, and it is deleted two days later") {
    auto db = festival::test::open_fresh_catalog();
    int made = 0;  // every key made is another
    const auto fresh = [&made] { return "key-" + std::to_string(++made); };
    const auto first = shared_day_keys(db, 100, fresh);
    CHECK(first == std::map<std::int64_t, std::string>{{100, "key-1"}, {101, "key-2"}});
    // Another node, with keys of its own that are never used.
    CHECK(shared_day_keys(db, 100, [] { return std::string("other"); }) == first);
    // Day 101 keeps yesterday's key (plays started before midnight) and makes tomorrow's.
    const auto next = shared_day_keys(db, 101, fresh);
    CHECK(next.size() == 3);
    CHECK(next.at(100) == "key-1");
    CHECK(next.at(101) == "key-2");
    CHECK(next.at(102).starts_with("key-"));
    // Day 102: day 100's key is gone from the catalog.
    const auto after = shared_day_keys(db, 102, fresh);
    CHECK(after.size() == 3);
    CHECK(after.at(101) == "key-2");
    CHECK(after.at(102) == next.at(102));
    CHECK(after.contains(103));
    auto left = db.prepare("SELECT COUNT(*) FROM audience_day_keys WHERE day = 100");
    left.step();
    CHECK(left.int64(0) == 0);
}

TEST_CASE("each node's live counts are read by the others while fresh, and a node that leaves takes them away") {
    auto db = festival::test::open_fresh_catalog();
    write_node_live(db, {"a", 3, {{1, 2}, {7, 1}}, 10'000});
    write_node_live(db, {"b", 1, {{1, 1}}, 5'000});
    const auto seen_by_c = other_nodes_live(db, "c", 8'000);
    REQUIRE(seen_by_c.size() == 1);  // b's row is older than the freshness bound
    CHECK(seen_by_c[0].node == "a");
    CHECK(seen_by_c[0].total == 3);
    CHECK(seen_by_c[0].by_film == std::map<std::int64_t, std::int64_t>{{1, 2}, {7, 1}});
    CHECK(seen_by_c[0].updated_at_ms == 10'000);
    CHECK(other_nodes_live(db, "a", 0).size() == 1);  // not its own
    write_node_live(db, {"b", 0, {}, 12'000});          // rewritten, not added
    CHECK(other_nodes_live(db, "c", 8'000).size() == 2);
    forget_node(db, "a");
    CHECK(other_nodes_live(db, "c", 0).size() == 1);
}
