#include "catalog/feedback_award.hpp"

#include <algorithm>

#include "catalog/database.hpp"

namespace festival::catalog {

double bayesian_average(double prior_weight, double prior_mean, std::int64_t stars_sum, std::int64_t count) {
    return (prior_weight * prior_mean + static_cast<double>(stars_sum)) / (prior_weight + static_cast<double>(count));
}

bool award_is_public(database& db) {
    auto st = db.prepare("SELECT public FROM feedback_award WHERE id = 1");
    return st.step() && st.int64(0) != 0;
}

void set_award_public(database& db, bool is_public) {
    auto st = db.prepare("UPDATE feedback_award SET public = ?1 WHERE id = 1");
    st.bind(1, is_public ? 1 : 0).run();
}

award_ranking audience_award(database& db) {
    award_ranking ranking;
    {
        auto st = db.prepare("SELECT public, prior_weight FROM feedback_award WHERE id = 1");
        if (st.step()) {
            ranking.is_public = st.int64(0) != 0;
            ranking.prior_weight = st.real(1);
        }
    }
    std::int64_t festival_sum = 0;
    {
        // The prior is the mean of every counted rating (one per viewed play and viewer) of every published film.
        auto st = db.prepare(
            "SELECT COUNT(*), COALESCE(SUM(r.stars), 0) FROM feedback_ratings r "
            "JOIN films f ON f.id = r.film_id WHERE f.published = 1 AND r.viewer_hash IS NOT NULL");
        st.step();
        ranking.ratings = st.int64(0);
        festival_sum = st.int64(1);
    }
    if (ranking.ratings == 0) return ranking;
    const double mean = static_cast<double>(festival_sum) / static_cast<double>(ranking.ratings);
    ranking.festival_mean = mean;

    auto st = db.prepare(
        "SELECT f.id, f.slug, f.original_title, COUNT(*), SUM(r.stars) FROM feedback_ratings r "
        "JOIN films f ON f.id = r.film_id WHERE f.published = 1 AND r.viewer_hash IS NOT NULL GROUP BY f.id");
    while (st.step()) {
        award_entry e;
        e.film_id = st.int64(0);
        e.slug = st.text(1);
        e.original_title = st.text(2);
        e.count = st.int64(3);
        const auto sum = st.int64(4);
        e.average = static_cast<double>(sum) / static_cast<double>(e.count);
        e.score = bayesian_average(ranking.prior_weight, mean, sum, e.count);
        ranking.entries.push_back(std::move(e));
    }
    // Best score first; ties go to the film with more ratings, then to the older film.
    std::sort(ranking.entries.begin(), ranking.entries.end(), [](const award_entry& a, const award_entry& b) {
        if (a.score != b.score) return a.score > b.score;
        if (a.count != b.count) return a.count > b.count;
        return a.film_id < b.film_id;
    });
    auto titles = db.prepare("SELECT lang, title FROM film_texts WHERE film_id = ?1");
    int rank = 0;
    for (auto& e : ranking.entries) {
        e.rank = ++rank;
        titles.reset();
        titles.bind(1, e.film_id);
        while (titles.step())
            if (auto t = titles.text(1); !t.empty()) e.titles[titles.text(0)] = t;
    }
    return ranking;
}

}  // namespace festival::catalog
