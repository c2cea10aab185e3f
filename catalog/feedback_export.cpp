#include "catalog/feedback_export.hpp"

#include <cstdio>
#include <utility>

#include "catalog/database.hpp"
#include "catalog/feedback.hpp"
#include "catalog/feedback_award.hpp"
#include "catalog/feedback_form.hpp"

namespace festival::catalog {
namespace {

std::vector<comment> all_comments(database& db) {
    comment_query q;
    q.oldest_first = true;
    q.limit = -1;  // no limit
    return list_comments(db, q).items;
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", value);
    return text;
}

// The code point at the start of `text` and its length in bytes; {0, 0} at the end or on a byte that
// does not start valid UTF-8 (such a cell is not a formula a spreadsheet would recognise either).
std::pair<char32_t, std::size_t> first_code_point(std::string_view text) {
    if (text.empty()) return {0, 0};
    const auto lead = static_cast<unsigned char>(text[0]);
    if (lead < 0x80) return {lead, 1};
    const std::size_t size = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (size == 0 || lead >= 0xF8 || text.size() < size) return {0, 0};
    char32_t cp = lead & (0x3F >> (size - 1));
    for (std::size_t i = 1; i < size; ++i) {
        const auto next = static_cast<unsigned char>(text[i]);
        if ((next & 0xC0) != 0x80) return {0, 0};
        cp = (cp << 6) | (next & 0x3F);
    }
    return {cp, size};
}

// Unicode white space (and the invisible zero-width space and BOM): spreadsheets skip some of these
// before reading a formula, so none may hide one.
bool is_blank(char32_t cp) {
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000 || cp == 0xFEFF;
}

// = + - @ and their full-width and small forms, which some spreadsheets fold to ASCII.
bool starts_formula(char32_t cp) {
    switch (cp) {
        case '=': case '+': case '-': case '@':
        case 0xFF1D: case 0xFF0B: case 0xFF0D: case 0xFF20:
        case 0xFE66: case 0xFE62: case 0xFE63: case 0xFE6B:
            return true;
        default:
            return false;
    }
}

// OWASP's CSV-injection advice: a cell starting with a tab or CR, or whose first visible character
// starts a formula, is prefixed with a single quote so it is read as text.
bool needs_formula_guard(std::string_view value) {
    if (!value.empty() && (value.front() == '\t' || value.front() == '\r')) return true;
    while (true) {
        const auto [cp, size] = first_code_point(value);
        if (size == 0) return false;
        if (!is_blank(cp)) return starts_formula(cp);
        value.remove_prefix(size);
    }
}

}  // namespace

std::string csv_field(std::string_view value) {
    std::string cell;
    if (needs_formula_guard(value)) cell = "'";
    cell += value;
    if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
    std::string quoted = "\"";
    for (const char c : cell) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

std::string csv_record(const std::vector<std::string>& fields) {
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + csv_field(fields[i]);
    return line + "\r\n";
}

std::string comments_csv(database& db) {
    std::string out(utf8_bom);
    out += csv_record({"id", "film", "film_title", "status", "name", "lang", "text", "submissions", "created_at",
                       "moderated_at"});
    for (const auto& c : all_comments(db))
        out += csv_record({std::to_string(c.id), c.film_slug, c.film_title, to_string(c.status), c.name, c.lang, c.text,
                           std::to_string(c.submissions), c.created_at, c.moderated_at.value_or("")});
    return out;
}

std::string ratings_csv(database& db) {
    const auto award = audience_award(db);
    std::string out(utf8_bom);
    out += csv_record({"rank", "film", "film_title", "ratings", "average", "score"});
    for (const auto& e : award.entries)
        out += csv_record({std::to_string(e.rank), e.slug, e.original_title, std::to_string(e.count),
                           number(e.average), number(e.score)});
    return out;
}

std::string answers_csv(database& db, const std::string& lang) {
    const auto labels = question_labels(db, lang);
    std::vector<std::string> header = {"submission", "created_at", "lang"};
    for (const auto& [id, label] : labels) header.push_back(label.empty() ? "question " + std::to_string(id) : label);
    std::string out(utf8_bom);
    out += csv_record(header);
    for (const auto& s : list_form_submissions(db)) {
        std::vector<std::string> row = {std::to_string(s.id), s.created_at, s.lang};
        for (const auto& [id, label] : labels) {
            const auto found = s.answers.find(id);
            row.push_back(found == s.answers.end() ? "" : found->second);
        }
        out += csv_record(row);
    }
    return out;
}

nlohmann::json feedback_json(database& db) {
    using nlohmann::json;
    json comments = json::array();
    for (const auto& c : all_comments(db))
        comments.push_back({{"id", c.id}, {"film", c.film_slug}, {"film_title", c.film_title},
                            {"status", to_string(c.status)}, {"name", c.name}, {"lang", c.lang}, {"text", c.text},
                            {"submissions", c.submissions}, {"created_at", c.created_at},
                            {"moderated_at", c.moderated_at ? json(*c.moderated_at) : json()}});
    const auto award = audience_award(db);
    json ratings = json::array();
    for (const auto& e : award.entries)
        ratings.push_back({{"rank", e.rank}, {"film", e.slug}, {"film_title", e.original_title}, {"count", e.count},
                           {"average", e.average}, {"score", e.score}});
    json answers = json::array();
    for (const auto& s : list_form_submissions(db)) {
        json values = json::object();
        for (const auto& [id, v] : s.answers) values[std::to_string(id)] = v;
        answers.push_back({{"id", s.id}, {"lang", s.lang}, {"created_at", s.created_at}, {"answers", values}});
    }
    return {{"comments", comments},
            {"ratings", ratings},
            {"prior_weight", award.prior_weight},
            {"festival_mean", award.festival_mean ? json(*award.festival_mean) : json()},
            {"questions", form_questions(db)},
            {"answers", answers}};
}

}  // namespace festival::catalog
