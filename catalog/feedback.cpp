#include "catalog/feedback.hpp"

#include <limits>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/feedback_text.hpp"
#include "catalog/inserted_id.hpp"

namespace festival::catalog {
namespace {

bool is_language_code(const std::string& lang) {
    // ISO 639 codes with an optional region ("pt-BR"): enough to label a comment, not a registry.
    if (lang.size() < 2 || lang.size() > 12) return false;
    for (std::size_t i = 0; i < lang.size(); ++i) {
        const char c = lang[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!(letter || (c == '-' && i >= 2) || (c >= '0' && c <= '9' && i >= 3))) return false;
    }
    return true;
}

comment read_comment(statement& st) {
    comment c;
    c.id = st.int64("id");
    c.film_id = st.int64("film_id");
    c.film_slug = st.text("slug");
    c.film_title = st.text("original_title");
    c.name = st.text("name");
    c.lang = st.text("lang");
    c.text = st.text("text");
    c.status = comment_status_from_string(st.text("status")).value_or(comment_status::pending);
    c.submissions = st.int64("submissions");
    c.created_at = st.text("created_at");
    c.moderated_at = st.optional_text("moderated_at");
    return c;
}

}  // namespace

void check_play_id(const std::optional<std::string>& play_id) {
    if (!play_id) return;
    bool ok = !play_id->empty() && play_id->size() <= max_play_id_chars;
    for (const char c : *play_id)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
    if (!ok) throw invalid("invalid_play_id", "'play_id' must be 1 to 64 letters, digits, '-' or '_'");
}

rating_outcome add_rating(database& db, std::int64_t film_id, int stars, const std::string& play_id,
                          const std::string& viewer_hash) {
    if (stars < 1 || stars > 5) throw invalid("invalid_stars", "'stars' must be a whole number from 1 to 5");
    check_play_id(play_id);
    if (viewer_hash.empty()) throw invalid("invalid_viewer", "a rating needs its play's viewer hash");
    transaction tx(db);
    auto earlier = db.prepare("DELETE FROM feedback_ratings WHERE film_id = ?1 AND (play_id = ?2 OR viewer_hash = ?3)");
    earlier.bind(1, film_id).bind(2, play_id).bind(3, viewer_hash).run();
    const auto outcome = db.changes() > 0 ? rating_outcome::replaced : rating_outcome::created;
    auto insert = db.prepare(
        "INSERT INTO feedback_ratings (film_id, stars, play_id, viewer_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    insert.bind(1, film_id).bind(2, stars).bind(3, play_id).bind(4, viewer_hash).bind(5, utc_now()).run();
    tx.commit();
    return outcome;
}

rating_summary film_ratings(database& db, std::int64_t film_id) {
    auto st = db.prepare(
        "SELECT COUNT(*), COALESCE(SUM(stars), 0) FROM feedback_ratings WHERE film_id = ?1 AND viewer_hash IS NOT NULL");
    st.bind(1, film_id);
    st.step();
    rating_summary s;
    s.count = st.int64(0);
    s.sum = st.int64(1);
    if (s.count > 0) s.average = static_cast<double>(s.sum) / static_cast<double>(s.count);
    return s;
}

std::array<std::int64_t, 5> film_rating_distribution(database& db, std::int64_t film_id) {
    auto st = db.prepare(
        "SELECT stars, COUNT(*) FROM feedback_ratings WHERE film_id = ?1 AND viewer_hash IS NOT NULL GROUP BY stars");
    st.bind(1, film_id);
    std::array<std::int64_t, 5> counts{};
    while (st.step())
        if (const auto stars = st.int64(0); stars >= 1 && stars <= 5) counts[static_cast<std::size_t>(stars - 1)] = st.int64(1);
    return counts;
}

std::map<std::int64_t, film_feedback_counts> feedback_counts_by_film(database& db) {
    std::map<std::int64_t, film_feedback_counts> counts;
    auto ratings = db.prepare(
        "SELECT film_id, COUNT(*), SUM(stars) FROM feedback_ratings WHERE viewer_hash IS NOT NULL GROUP BY film_id");
    while (ratings.step()) {
        auto& r = counts[ratings.int64(0)].ratings;
        r.count = ratings.int64(1);
        r.sum = ratings.int64(2);
        r.average = static_cast<double>(r.sum) / static_cast<double>(r.count);
    }
    auto comments = db.prepare("SELECT film_id, COUNT(*) FROM feedback_comments WHERE status = ?1 GROUP BY film_id");
    comments.bind(1, to_string(comment_status::approved));
    while (comments.step()) counts[comments.int64(0)].approved_comments = comments.int64(1);
    return counts;
}

const char* to_string(comment_status s) {
    switch (s) {
        case comment_status::pending: return "pending";
        case comment_status::approved: return "approved";
        case comment_status::rejected: return "rejected";
    }
    return "pending";
}

std::optional<comment_status> comment_status_from_string(const std::string& text) {
    if (text == "pending") return comment_status::pending;
    if (text == "approved") return comment_status::approved;
    if (text == "rejected") return comment_status::rejected;
    return std::nullopt;
}

std::optional<moderation_action> moderation_action_from_string(const std::string& text) {
    if (text == "approve") return moderation_action::approve;
    if (text == "reject") return moderation_action::reject;
    if (text == "delete") return moderation_action::remove;
    return std::nullopt;
}

comment_receipt submit_comment(database& db, const new_comment& draft) {
    check_viewer_text("text", draft.text, max_comment_chars, true);
    check_viewer_text("name", draft.name, max_name_chars, false);
    if (!draft.lang.empty() && !is_language_code(draft.lang))
        throw invalid("invalid_lang", "'lang' must be a language code such as fr, en or es");
    check_play_id(draft.play_id);
    if (draft.author_hash.empty()) throw invalid("invalid_author", "a comment needs its sender's hash");

    transaction tx(db);
    // The same viewer sending the same text again (a double click, a retry) adds no second entry.
    auto merge = db.prepare(
        "UPDATE feedback_comments SET submissions = submissions + 1 "
        "WHERE film_id = ?1 AND author_hash = ?2 AND text = ?3 RETURNING id");
    merge.bind(1, draft.film_id).bind(2, draft.author_hash).bind(3, draft.text);
    comment_receipt receipt;
    if (merge.step()) {
        receipt = {merge.int64(0), true};
        merge.run();  // finish the statement before the commit
    } else {
        auto insert = db.prepare(
            "INSERT INTO feedback_comments (film_id, name, lang, text, author_hash, play_id, created_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id");
        insert.bind(1, draft.film_id).bind(2, draft.name).bind(3, draft.lang).bind(4, draft.text);
        insert.bind(5, draft.author_hash).bind(6, draft.play_id).bind(7, utc_now());
        receipt = {inserted_id(insert), false};
    }
    tx.commit();
    return receipt;
}

comment_page list_comments(database& db, const comment_query& query) {
    // Named parameters, each in the SQL only when bound: PostgreSQL cannot type a parameter the
    // statement does not use.
    std::string where = " WHERE TRUE";
    if (query.status) where += " AND c.status = :status";
    if (query.film_id) where += " AND c.film_id = :film";
    auto bind_filters = [&](statement& st) {
        if (query.status) st.bind(":status", to_string(*query.status));
        if (query.film_id) st.bind(":film", *query.film_id);
    };
    comment_page page;
    {
        auto count = db.prepare("SELECT COUNT(*) FROM feedback_comments c" + where);
        bind_filters(count);
        count.step();
        page.total = count.int64(0);
    }
    auto st = db.prepare(
        "SELECT c.id, c.film_id, f.slug, f.original_title, c.name, c.lang, c.text, c.status, c.submissions, "
        "c.created_at, c.moderated_at FROM feedback_comments c JOIN films f ON f.id = c.film_id" +
        where + (query.oldest_first ? " ORDER BY c.id ASC" : " ORDER BY c.id DESC") +
        " LIMIT :limit OFFSET :offset");
    bind_filters(st);
    // A negative limit is none: the largest count, the one spelling both engines take.
    st.bind(":limit", query.limit < 0 ? std::numeric_limits<std::int64_t>::max() : std::int64_t{query.limit});
    st.bind(":offset", query.offset);
    while (st.step()) page.items.push_back(read_comment(st));
    return page;
}

std::int64_t moderate_comments(database& db, const std::vector<std::int64_t>& ids, moderation_action action) {
    transaction tx(db);
    std::int64_t changed = 0;
    const std::string now = utc_now();
    {
        auto st = action == moderation_action::remove
                      ? db.prepare("DELETE FROM feedback_comments WHERE id = ?1")
                      : db.prepare("UPDATE feedback_comments SET status = ?2, moderated_at = ?3 WHERE id = ?1");
        for (const auto id : ids) {
            st.reset();
            st.bind(1, id);
            if (action != moderation_action::remove)
                st.bind(2, action == moderation_action::approve ? "approved" : "rejected").bind(3, now);
            st.run();
            changed += db.changes();
        }
    }
    tx.commit();
    return changed;
}

}  // namespace festival::catalog
