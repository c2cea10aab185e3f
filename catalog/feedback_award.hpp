#pragma once
// The audience award: films ranked by a Bayesian average of their ratings, so that a film with one
// 5-star vote does not beat one with a hundred votes averaging 4.6.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace festival::catalog {

class database;

// (C·m + Σ stars) / (C + n): the film's n ratings pulled towards the festival-wide mean m as if it
// also had C ratings of exactly m. With few ratings the score stays near m; with many it nears the
// film's own average.
double bayesian_average(double prior_weight, double prior_mean, std::int64_t stars_sum, std::int64_t count);

struct award_entry {
    int rank = 0;
    std::int64_t film_id = 0;
    std::string slug;
    std::string original_title;
    std::map<std::string, std::string> titles;  // by language
    std::int64_t count = 0;
    double average = 0;
    double score = 0;
};

struct award_ranking {
    bool is_public = false;
    double prior_weight = 10;
    std::optional<double> festival_mean;  // absent until the first rating
    std::int64_t ratings = 0;
    std::vector<award_entry> entries;     // best first; published films with at least one rating
};

award_ranking audience_award(database& db);
void set_award_public(database& db, bool is_public);
bool award_is_public(database& db);

}  // namespace festival::catalog
