#include <doctest/doctest.h>

#include "catalog/database.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::catalog;

TEST_CASE("a catalog on disk commits with synchronous=FULL, as its comment says") {
    festival::testing::temp_dir dir;
    database db((dir.path() / "catalog.db").string());
    auto st = db.prepare("PRAGMA synchronous");
    REQUIRE(st.step());
    CHECK(st.int64(0) == 2);  // FULL
}
