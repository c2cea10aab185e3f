#pragma once
// Viewer feedback on films: star ratings (counted at once) and comments (held for moderation).
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace festival::catalog {

class database;

// Limits on what a viewer may send, in characters (code points).
inline constexpr std::size_t max_comment_chars = 2000;
inline constexpr std::size_t max_name_chars = 80;
inline constexpr std::size_t max_play_id_chars = 64;

// ---- Ratings ----
enum class rating_outcome { created, replaced };

// Records 1..5 stars for a film from a play that reached a view (the caller proved it). One rating
// per play and one per viewer hash (a viewer-film-day): a later rating from the same play, or from
// another play of the same viewer hash, replaces the earlier one. Throws invalid("invalid_stars" /
// "invalid_play_id" / "invalid_viewer").
rating_outcome add_rating(database& db, std::int64_t film_id, int stars, const std::string& play_id,
                          const std::string& viewer_hash);

// Summaries and the award count only ratings that carry their play's viewer hash; ratings stored
// before plays were checked have none and are kept for the record only.
struct rating_summary {
    std::int64_t count = 0;
    std::int64_t sum = 0;
    std::optional<double> average;  // absent without ratings
};
rating_summary film_ratings(database& db, std::int64_t film_id);
// How many of those same ratings gave each number of stars: [0] is one star, [4] five.
std::array<std::int64_t, 5> film_rating_distribution(database& db, std::int64_t film_id);

// Every film's ratings and approved comments, in two queries (the organizers' statistics table).
struct film_feedback_counts {
    rating_summary ratings;
    std::int64_t approved_comments = 0;
};
std::map<std::int64_t, film_feedback_counts> feedback_counts_by_film(database& db);

// ---- Comments ----
enum class comment_status { pending, approved, rejected };
const char* to_string(comment_status s);
std::optional<comment_status> comment_status_from_string(const std::string& text);

struct comment {
    std::int64_t id = 0;
    std::int64_t film_id = 0;
    std::string film_slug;
    std::string film_title;  // the original title
    std::string name;
    std::string lang;
    std::string text;
    comment_status status = comment_status::pending;
    std::int64_t submissions = 1;  // the same text sent again by the same viewer is merged here
    std::string created_at;
    std::optional<std::string> moderated_at;
};

struct new_comment {
    std::int64_t film_id = 0;
    std::string text;
    std::string name;
    std::string lang;
    std::string author_hash;  // keyed hash of the sender's address; never the address itself
    std::optional<std::string> play_id;
};

struct comment_receipt {
    std::int64_t id = 0;
    bool merged = false;  // the same viewer had already sent this text for this film
};

// Validates (UTF-8, lengths, language code) and queues a comment as pending, or merges a duplicate.
comment_receipt submit_comment(database& db, const new_comment& draft);

struct comment_query {
    std::optional<comment_status> status;
    std::optional<std::int64_t> film_id;
    bool oldest_first = false;
    int limit = 20;
    int offset = 0;
};

struct comment_page {
    std::vector<comment> items;
    std::int64_t total = 0;
};
comment_page list_comments(database& db, const comment_query& query);

enum class moderation_action { approve, reject, remove };
std::optional<moderation_action> moderation_action_from_string(const std::string& text);

// Applies one action to many comments in one transaction; returns how many existed and changed.
std::int64_t moderate_comments(database& db, const std::vector<std::int64_t>& ids, moderation_action action);

// Checks an optional play id sent by a viewer: 1..64 of [A-Za-z0-9_-].
void check_play_id(const std::optional<std::string>& play_id);

}  // namespace festival::catalog
