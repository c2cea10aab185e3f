#pragma once
// Several `festival serve` processes on ONE data folder and ONE catalog (a shared SQLite file, or a
// PostgreSQL schema when the suites run there), as nodes behind a balancer are: the tests call each
// node directly, playing the balancer's part. Each node is named node-<i>; all read one test clock.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/festival_fixture.hpp"

namespace festival::testing {

class festival_nodes {
public:
    // `count` nodes with an account of each role (fixture_curator, fixture_organizer), the audience
    // clock at `clock_ms`.
    festival_nodes(int count, std::int64_t clock_ms);

    temp_dir dir{temp_dir::storage::in_memory};
    std::string catalog;  // the --catalog every node gets

    festival_process& node(int i) { return *nodes_.at(static_cast<std::size_t>(i)); }
    unsigned short port(int i) { return node(i).port(); }
    // (Re)starts node i on the same folder, catalog and name.
    void start(int i);
    void set_clock(std::int64_t ms);
    std::int64_t clock_ms() const { return clock_ms_; }
    signed_in_client sign_in_as(int i, const std::string& email) { return sign_in(port(i), email, fixture_password); }

private:
    std::vector<std::unique_ptr<festival_process>> nodes_;
    std::int64_t clock_ms_ = 0;
};

}  // namespace festival::testing
