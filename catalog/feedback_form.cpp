#include "catalog/feedback_form.hpp"

#include <set>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/feedback_text.hpp"
#include "catalog/films.hpp"
#include "catalog/inserted_id.hpp"

namespace festival::catalog {
namespace {

using nlohmann::json;

constexpr std::size_t max_questions = 30;
constexpr std::size_t max_options = 30;
constexpr std::size_t max_label_chars = 300;
constexpr std::size_t max_answer_chars = 2000;

bool is_option_value(const std::string& v) {
    if (v.empty() || v.size() > 40) return false;
    for (const char c : v)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

// {"fr": "…"} with at least one non-empty text; every value a string.
json checked_label(const json& label, const std::string& where) {
    if (!label.is_object() || label.empty())
        throw invalid("invalid_question", where + ": 'label' must be an object of texts by language");
    bool any = false;
    for (const auto& [lang, text] : label.items()) {
        if (lang.size() < 2 || lang.size() > 12 || !text.is_string())
            throw invalid("invalid_question", where + ": 'label' must map language codes to texts");
        check_viewer_text(where + " label", text.get<std::string>(), max_label_chars, false);
        any = any || !text.get<std::string>().empty();
    }
    if (!any) throw invalid("invalid_question", where + ": 'label' needs a text");
    return label;
}

struct question_row {
    std::int64_t id = 0;
    std::string kind;
    bool required = false;
    json label;
    json options;
};

std::vector<question_row> active_rows(database& db) {
    std::vector<question_row> rows;
    auto st = db.prepare(
        "SELECT id, kind, required, label, options FROM feedback_questions WHERE active = 1 ORDER BY position, id");
    while (st.step())
        rows.push_back({st.int64(0), st.text(1), st.int64(2) != 0, json::parse(st.text(3)), json::parse(st.text(4))});
    return rows;
}

json to_json(const question_row& q) {
    json j = {{"id", q.id}, {"kind", q.kind}, {"required", q.required}, {"label", q.label}};
    if (q.kind == "choice") j["options"] = q.options;
    return j;
}

question_row checked_question(const json& q, std::size_t index) {
    const std::string where = "question " + std::to_string(index + 1);
    if (!q.is_object()) throw invalid("invalid_question", where + " must be an object");
    question_row row;
    if (q.contains("id") && !q["id"].is_null()) {
        if (!q["id"].is_number_integer()) throw invalid("invalid_question", where + ": 'id' must be a number");
        row.id = q["id"].get<std::int64_t>();
    }
    row.kind = q.value("kind", std::string());
    if (row.kind != "choice" && row.kind != "film" && row.kind != "text")
        throw invalid("invalid_question", where + ": 'kind' must be choice, film or text");
    if (q.contains("required") && !q["required"].is_boolean())
        throw invalid("invalid_question", where + ": 'required' must be true or false");
    row.required = q.value("required", false);
    row.label = checked_label(q.contains("label") ? q["label"] : json(), where);
    row.options = json::array();
    if (row.kind == "choice") {
        const json options = q.contains("options") ? q["options"] : json();
        if (!options.is_array() || options.empty() || options.size() > max_options)
            throw invalid("invalid_question", where + ": a choice needs 1 to 30 'options'");
        std::set<std::string> values;
        for (const auto& o : options) {
            if (!o.is_object() || !o.contains("value") || !o["value"].is_string() ||
                !is_option_value(o["value"].get<std::string>()))
                throw invalid("invalid_question", where + ": each option needs a 'value' of a-z, 0-9, '_' or '-'");
            if (!values.insert(o["value"].get<std::string>()).second)
                throw invalid("invalid_question", where + ": option values must differ");
            row.options.push_back({{"value", o["value"]},
                                   {"label", checked_label(o.contains("label") ? o["label"] : json(), where)}});
        }
    }
    return row;
}

}  // namespace

json form_questions(database& db) {
    json out = json::array();
    for (const auto& q : active_rows(db)) out.push_back(to_json(q));
    return out;
}

json replace_form_questions(database& db, const json& questions) {
    if (!questions.is_array()) throw invalid("invalid_form", "'questions' must be an array");
    if (questions.size() > max_questions) throw invalid("invalid_form", "a form has at most 30 questions");
    std::vector<question_row> rows;
    for (std::size_t i = 0; i < questions.size(); ++i) rows.push_back(checked_question(questions[i], i));

    transaction tx(db);
    db.exec("UPDATE feedback_questions SET active = 0");
    std::set<std::int64_t> seen;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto& q = rows[i];
        const int position = static_cast<int>(i + 1);
        if (q.id != 0) {
            if (!seen.insert(q.id).second) throw invalid("invalid_form", "question ids must differ");
            auto kind = db.prepare("SELECT kind FROM feedback_questions WHERE id = ?1");
            kind.bind(1, q.id);
            if (!kind.step()) throw invalid("invalid_form", "no question " + std::to_string(q.id));
            // A question's kind is fixed: its earlier answers were given to that kind.
            if (kind.text(0) != q.kind)
                throw invalid("invalid_form", "question " + std::to_string(q.id) + " cannot change its kind");
            auto st = db.prepare(
                "UPDATE feedback_questions SET position = ?1, required = ?2, label = ?3, options = ?4, active = 1 WHERE id = ?5");
            st.bind(1, position).bind(2, q.required ? 1 : 0).bind(3, q.label.dump()).bind(4, q.options.dump());
            st.bind(5, q.id).run();
        } else {
            auto st = db.prepare(
                "INSERT INTO feedback_questions (position, kind, required, label, options) VALUES (?1, ?2, ?3, ?4, ?5)");
            st.bind(1, position).bind(2, q.kind).bind(3, q.required ? 1 : 0).bind(4, q.label.dump());
            st.bind(5, q.options.dump()).run();
        }
    }
    tx.commit();
    return form_questions(db);
}

std::int64_t submit_form_answers(database& db, const json& answers, const std::string& lang) {
    if (!answers.is_object()) throw invalid("invalid_answers", "'answers' must be an object keyed by question id");
    if (lang.size() > 12) throw invalid("invalid_lang", "'lang' must be a language code");
    const auto questions = active_rows(db);
    std::map<std::int64_t, std::string> values;
    for (const auto& [key, value] : answers.items()) {
        const question_row* q = nullptr;
        for (const auto& candidate : questions)
            if (std::to_string(candidate.id) == key) q = &candidate;
        if (!q) throw invalid("unknown_question", "no question '" + key.substr(0, 20) + "' on the form");
        if (value.is_null() || (value.is_string() && value.get<std::string>().empty())) continue;
        if (q->kind == "film") {
            std::optional<film> f;
            if (value.is_number_integer()) f = find_film(db, value.get<std::int64_t>());
            else if (value.is_string()) f = find_film_by_key(db, value.get<std::string>());
            if (!f || !f->published) throw invalid("invalid_answer", "question " + key + ": no such film");
            values[q->id] = std::to_string(f->id);
        } else if (!value.is_string()) {
            throw invalid("invalid_answer", "question " + key + ": the answer must be text");
        } else if (q->kind == "choice") {
            const auto text = value.get<std::string>();
            bool known = false;
            for (const auto& o : q->options) known = known || o["value"] == text;
            if (!known) throw invalid("invalid_answer", "question " + key + ": not one of the options");
            values[q->id] = text;
        } else {
            check_viewer_text("question " + key, value.get<std::string>(), max_answer_chars, false);
            values[q->id] = value.get<std::string>();
        }
    }
    for (const auto& q : questions)
        if (q.required && !values.count(q.id))
            throw invalid("answer_required", "question " + std::to_string(q.id) + " needs an answer");
    if (values.empty()) throw invalid("empty", "the form has no answer");

    transaction tx(db);
    auto sub = db.prepare("INSERT INTO feedback_submissions (lang, created_at) VALUES (?1, ?2) RETURNING id");
    sub.bind(1, lang).bind(2, utc_now());
    const auto id = inserted_id(sub);
    auto ins = db.prepare("INSERT INTO feedback_answers (submission_id, question_id, value) VALUES (?1, ?2, ?3)");
    for (const auto& [qid, v] : values) {
        ins.reset();
        ins.bind(1, id).bind(2, qid).bind(3, v).run();
    }
    tx.commit();
    return id;
}

std::vector<form_submission> list_form_submissions(database& db) {
    std::vector<form_submission> out;
    {
        auto st = db.prepare("SELECT id, lang, created_at FROM feedback_submissions ORDER BY id");
        while (st.step()) out.push_back({st.int64(0), st.text(1), st.text(2), {}});
    }
    // Film answers are stored as film ids and shown as slugs (a deleted film stays as its id).
    auto st = db.prepare(
        "SELECT a.submission_id, a.question_id, "
        "CASE WHEN q.kind = 'film' THEN COALESCE((SELECT slug FROM films WHERE id = CAST(a.value AS BIGINT)), a.value) "
        "ELSE a.value END FROM feedback_answers a JOIN feedback_questions q ON q.id = a.question_id "
        "ORDER BY a.submission_id");
    std::size_t i = 0;
    while (st.step()) {
        const auto sid = st.int64(0);
        while (i < out.size() && out[i].id < sid) ++i;
        if (i < out.size() && out[i].id == sid) out[i].answers[st.int64(1)] = st.text(2);
    }
    return out;
}

std::map<std::int64_t, std::string> question_labels(database& db, const std::string& lang) {
    std::map<std::int64_t, std::string> labels;
    auto st = db.prepare("SELECT id, label FROM feedback_questions ORDER BY position, id");
    while (st.step()) {
        const auto label = json::parse(st.text(1));
        std::string text;
        if (label.contains(lang) && label[lang].is_string()) text = label[lang].get<std::string>();
        for (const auto& [l, t] : label.items())
            if (text.empty() && t.is_string()) text = t.get<std::string>();
        labels[st.int64(0)] = text;
    }
    return labels;
}

}  // namespace festival::catalog
