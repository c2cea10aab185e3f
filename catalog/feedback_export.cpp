#include "catalog/feedback_export.hpp"

#include <cstdio>

#include "catalog/database.hpp"
#include "catalog/feedback.hpp"
#include "catalog/feedback_award.hpp"
#include "catalog/feedback_form.hpp"

namespace festival::catalog {
namespace {

std::vector<comment> all_comments(database& db) {
    comment_query q;
    q.oldest_first = true;
    q.limit = -1;  // SQLite: no limit
    return list_comments(db, q).items;
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", value);
    return text;
}

}  // namespace

std::string csv_field(std::string_view value) {
    std::string cell;
    if (!value.empty() && (value.front() == '=' || value.front() == '+' || value.front() == '-' ||
                           value.front() == '@' || value.front() == '\t' || value.front() == '\r'))
        cell = "'";
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
