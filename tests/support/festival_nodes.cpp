#include "tests/support/festival_nodes.hpp"

#include <fstream>

#include "tests/support/test_catalog.hpp"

namespace festival::testing {

festival_nodes::festival_nodes(int count, std::int64_t clock_ms)
    : catalog(festival::test::catalog_location_of(dir.path())), nodes_(static_cast<std::size_t>(count)) {
    set_clock(clock_ms);
    add_user_with_cli(dir.path(), fixture_curator, "curator", fixture_password);
    add_user_with_cli(dir.path(), fixture_organizer, "organizer", fixture_password);
    for (int i = 0; i < count; ++i) start(i);
}

void festival_nodes::start(int i) {
    auto& slot = nodes_.at(static_cast<std::size_t>(i));
    slot.reset();
    slot = std::make_unique<festival_process>(
        dir.path().string(), std::vector<std::string>{"--catalog", catalog, "--node-name", "node-" + std::to_string(i),
                                                      "--test-clock-file", (dir.path() / "clock").string()});
}

void festival_nodes::set_clock(std::int64_t ms) {
    clock_ms_ = ms;
    write_test_clock(dir.path(), ms);
}

}  // namespace festival::testing
