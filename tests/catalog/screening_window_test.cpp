// The screening window rule and the ISO 8601 forms a stored window may take (no disk).
#include <doctest/doctest.h>

#include "catalog/clock.hpp"
#include "catalog/screening_window.hpp"

using namespace festival::catalog;

namespace {

std::int64_t at(const char* canonical) { return parse_utc(canonical).value(); }

}  // namespace

TEST_CASE("stored times: canonical, date only, SQLite's form, fractions and offsets name the same instants") {
    CHECK(parse_stored_time("2026-05-01T10:00:00Z") == at("2026-05-01T10:00:00Z"));
    CHECK(parse_stored_time("2026-05-01") == at("2026-05-01T00:00:00Z"));
    CHECK(parse_stored_time("2026-05-01 10:00:00") == at("2026-05-01T10:00:00Z"));
    CHECK(parse_stored_time("2026-05-01T10:00") == at("2026-05-01T10:00:00Z"));
    CHECK(parse_stored_time("2026-05-01T12:00:00+02:00") == at("2026-05-01T10:00:00Z"));
    CHECK(parse_stored_time("2026-05-01T08:30:00-0130") == at("2026-05-01T10:00:00Z"));
    // A fraction counts from the next whole second; zeros are no fraction.
    CHECK(parse_stored_time("2026-05-01T09:59:59.001Z") == at("2026-05-01T10:00:00Z"));
    CHECK(parse_stored_time("2026-05-01T10:00:00.000Z") == at("2026-05-01T10:00:00Z"));
    for (const char* bad : {"", "2026", "2026-13-01", "2026-02-30", "2026-05-01T24:00:00Z", "2026-05-01T10:00:00X",
                            "2026-05-01T10:00:00.Z", "2026-05-01T10:00:00+2", " 2026-05-01", "2026-05-01T 9:00:00Z",
                            "+026-05-01", "2026-05-01T10:00:00Z "})
        CHECK_MESSAGE(!parse_stored_time(bad), bad);
}

TEST_CASE("a window screens from its start included to its end excluded") {
    const screening_window w(true, at("2026-06-01T00:00:00Z"), at("2026-07-01T00:00:00Z"));
    CHECK(w.state_at(at("2026-05-31T23:59:59Z")) == screening_state::upcoming);
    CHECK(w.state_at(at("2026-06-01T00:00:00Z")) == screening_state::now);
    CHECK(w.state_at(at("2026-06-30T23:59:59Z")) == screening_state::now);
    CHECK(w.state_at(at("2026-07-01T00:00:00Z")) == screening_state::ended);
    CHECK(screening_window(false, std::nullopt, std::nullopt).state_at(0) == screening_state::unpublished);
    CHECK(screening_window(true, std::nullopt, std::nullopt).state_at(0) == screening_state::now);
    CHECK(to_string(screening_state::upcoming) == std::string("upcoming"));
}

TEST_CASE("a bound with a fraction of a second ends and starts on the next whole second") {
    const auto w = screening_window::from_stored(true, std::string("2026-06-01T00:00:00.5Z"),
                                                 std::string("2026-07-01T00:00:00.5Z"));
    CHECK(w.state_at(at("2026-06-01T00:00:00Z")) == screening_state::upcoming);
    CHECK(w.state_at(at("2026-06-01T00:00:01Z")) == screening_state::now);
    CHECK(w.state_at(at("2026-07-01T00:00:00Z")) == screening_state::now);
    CHECK(w.state_at(at("2026-07-01T00:00:01Z")) == screening_state::ended);
}

TEST_CASE("an unreadable stored bound counts as absent") {
    const auto w = screening_window::from_stored(true, std::string("soon"), std::string("2026-07-01"));
    CHECK(w == screening_window(true, std::nullopt, at("2026-07-01T00:00:00Z")));
}
