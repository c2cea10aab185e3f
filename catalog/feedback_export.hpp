#pragma once
// Feedback exports for organizers: CSV (UTF-8 with a BOM, RFC 4180) and JSON.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::catalog {

class database;

// The UTF-8 byte order mark: spreadsheet programs read the file as UTF-8 only when it starts so.
inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

// One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled). A cell a
// spreadsheet would run as a formula gets a leading ': one starting with a tab or CR, or whose first
// character after any Unicode white space (NBSP, U+3000 …) is = + - @ or a full-width form of them.
std::string csv_field(std::string_view value);
// Fields joined by commas and ended by CRLF.
std::string csv_record(const std::vector<std::string>& fields);

// Every comment, all statuses, oldest first.
std::string comments_csv(database& db);
// One row per film with ratings: count, average and award score.
std::string ratings_csv(database& db);
// One row per festival form submission, one column per question (labels in `lang`).
std::string answers_csv(database& db, const std::string& lang);
// {"comments":[…],"ratings":[…],"questions":[…],"answers":[…]}
nlohmann::json feedback_json(database& db);

}  // namespace festival::catalog
