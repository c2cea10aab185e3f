#pragma once
// A catalog as an older program left it: migrated up to, not including, the first migration step
// whose text contains `marker`. A migration test fills it as that program would, then migrates.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>

#include "catalog/database.hpp"
#include "catalog/schema.hpp"

namespace festival::test {

inline void migrate_to_before_step(catalog::database& db, std::string_view marker) {
    const auto& steps = catalog::migrations();
    const auto step = std::find_if(steps.begin(), steps.end(),
                                   [&](const catalog::migration_step& step) { return step.sqlite.find(marker) != std::string_view::npos; });
    if (step == steps.end()) throw std::logic_error("no migration step contains " + std::string(marker));
    const auto before = static_cast<int>(step - steps.begin());
    for (int i = 0; i < before; ++i) db.exec(steps[static_cast<std::size_t>(i)].sqlite);
    db.exec("PRAGMA user_version = " + std::to_string(before));
}

}  // namespace festival::test
