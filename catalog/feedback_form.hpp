#pragma once
// The festival-wide feedback form: questions the organizers set, and the viewers' answers.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::catalog {

class database;

// A question as JSON:
//   {"id": 1, "kind": "choice"|"film"|"text", "required": false,
//    "label": {"fr": "…", "en": "…"}, "options": [{"value": "friends", "label": {"fr": "…"}}]}
// `options` only for "choice"; a "film" answer names a published film (id or slug); "text" is free.
nlohmann::json form_questions(database& db);

// Replaces the form with `questions` (an array in display order). A question with the "id" of an
// existing one updates it (its answers stay linked); questions left out are retired, not deleted,
// so earlier answers keep their meaning. Throws invalid(...) on a malformed question.
nlohmann::json replace_form_questions(database& db, const nlohmann::json& questions);

// Stores one viewer's answers {"<question id>": value}; returns the submission id.
std::int64_t submit_form_answers(database& db, const nlohmann::json& answers, const std::string& lang);

struct form_submission {
    std::int64_t id = 0;
    std::string lang;
    std::string created_at;
    std::map<std::int64_t, std::string> answers;  // question id → value (a film answer as its slug)
};
std::vector<form_submission> list_form_submissions(database& db);

// Every question ever asked (retired ones too), for exports: id → label in `lang` (or any language).
std::map<std::int64_t, std::string> question_labels(database& db, const std::string& lang);

}  // namespace festival::catalog
