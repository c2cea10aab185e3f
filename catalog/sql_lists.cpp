#include "catalog/sql_lists.hpp"

#include <nlohmann/json.hpp>

#include "catalog/database.hpp"

namespace festival::catalog {
namespace {

bool postgresql(const database& db) { return db.dialect() == sql_dialect::postgresql; }

std::string folded(std::string_view value, bool fold_case) {
    return fold_case ? "lower(CAST(" + std::string(value) + " AS TEXT))" : std::string(value);
}

}  // namespace

std::string ids_subquery(const database& db, std::string_view parameter) {
    const std::string p(parameter);
    return postgresql(db) ? "SELECT CAST(jsonb_array_elements_text(CAST(" + p + " AS jsonb)) AS BIGINT)"
                          : "SELECT value FROM json_each(" + p + ")";
}

std::string ids_json(const std::vector<std::int64_t>& ids) { return nlohmann::json(ids).dump(); }

std::string json_list_holds(const database& db, std::string_view column, std::string_view parameter, bool fold_case) {
    const auto wanted = folded(parameter, fold_case);
    if (postgresql(db))
        return "EXISTS (SELECT 1 FROM jsonb_array_elements_text(CAST(" + std::string(column) +
               " AS jsonb)) AS element(value) WHERE " + folded("element.value", fold_case) + " = " + wanted + ")";
    return "EXISTS (SELECT 1 FROM json_each(" + std::string(column) + ") WHERE " + folded("value", fold_case) +
           " = " + wanted + ")";
}

std::string json_list_not_empty(const database& db, std::string_view column) {
    const std::string c(column);
    return postgresql(db) ? "jsonb_array_length(CAST(" + c + " AS jsonb)) > 0" : "json_array_length(" + c + ") > 0";
}

}  // namespace festival::catalog
