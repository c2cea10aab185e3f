#pragma once
// The id of the row an `INSERT … RETURNING id` made, on either engine (SQLite's last_insert_rowid
// has no PostgreSQL twin): runs the statement to its end and reads its one row.
#include <cstdint>
#include <stdexcept>

#include "catalog/database.hpp"

namespace festival::catalog {

inline std::int64_t inserted_id(statement& insert) {
    if (!insert.step()) throw std::logic_error("an INSERT … RETURNING id gave no row");
    const auto id = insert.int64("id");
    insert.run();
    return id;
}

}  // namespace festival::catalog
