// Feedback in the catalog, on an in-memory database: ratings, comments, the award, the form, exports.
#include <doctest/doctest.h>

#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/feedback.hpp"
#include "catalog/feedback_award.hpp"
#include "catalog/feedback_export.hpp"
#include "catalog/feedback_form.hpp"
#include "catalog/feedback_text.hpp"
#include "transcoder/media/utf8.hpp"
#include "catalog/films.hpp"
#include "catalog/schema.hpp"

#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

namespace {

database fresh_catalog() { return festival::test::open_fresh_catalog(); }

std::int64_t add_film(database& db, const std::string& slug, bool published = true) {
    film draft;
    draft.slug = slug;
    draft.original_title = "Film " + slug;
    draft.category = "short";
    draft.published = published;
    return create_film(db, draft).id;
}

std::string code_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const catalog_error& e) {
        return e.code();
    }
    return "no error";
}

new_comment comment_from(std::int64_t film, const std::string& text, const std::string& author = "aaaa") {
    new_comment c;
    c.film_id = film;
    c.text = text;
    c.author_hash = author;
    return c;
}

// A rating from a new viewer's play each time.
void rate_once(database& db, std::int64_t film, int stars) {
    static int plays = 0;
    const auto n = std::to_string(++plays);
    add_rating(db, film, stars, "play-" + n, "viewer-" + n);
}

}  // namespace

TEST_CASE("UTF-8 is checked strictly: overlongs, surrogates, truncation and stray bytes are refused") {
    CHECK(festival::media::valid_utf8("Réintégration, niño, 映画, 🎬"));
    CHECK(festival::media::valid_utf8(""));
    CHECK_FALSE(festival::media::valid_utf8("\xC3\x28"));          // a lead byte without its continuation
    CHECK_FALSE(festival::media::valid_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(festival::media::valid_utf8("\xE0\x80\xAF"));      // overlong, three bytes
    CHECK_FALSE(festival::media::valid_utf8("\xED\xA0\x80"));      // a UTF-16 surrogate
    CHECK_FALSE(festival::media::valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(festival::media::valid_utf8("caf\xC3"));           // cut in the middle of a character
    CHECK_FALSE(festival::media::valid_utf8("\xFF"));
    CHECK(code_points("é🎬a") == 3);
    CHECK(code_of([] { check_viewer_text("text", std::string(2001, 'a'), 2000, true); }) == "too_long");
    CHECK(code_of([] { check_viewer_text("text", "\x01", 2000, true); }) == "invalid_text");
    CHECK(code_of([] { check_viewer_text("text", " \n ", 2000, true); }) == "empty");
    std::string accents;
    for (int i = 0; i < 2000; ++i) accents += "é";  // 2000 characters, 4000 bytes
    CHECK(code_of([&] { check_viewer_text("text", accents, 2000, true); }) == "no error");
}

TEST_CASE("ratings count at once, one per play and one per viewer hash") {
    auto db = fresh_catalog();
    const auto film = add_film(db, "retour");
    CHECK(add_rating(db, film, 4, "play-0", "viewer-a") == rating_outcome::created);
    CHECK(add_rating(db, film, 5, "play-1", "viewer-b") == rating_outcome::created);
    CHECK(add_rating(db, film, 2, "play-1", "viewer-b") == rating_outcome::replaced);  // the same play
    CHECK(add_rating(db, film, 1, "play-2", "viewer-a") == rating_outcome::replaced);  // the same viewer
    const auto s = film_ratings(db, film);
    CHECK(s.count == 2);
    CHECK(s.sum == 3);
    REQUIRE(s.average);
    CHECK(*s.average == doctest::Approx(1.5));
    CHECK(code_of([&] { add_rating(db, film, 6, "play-3", "viewer-c"); }) == "invalid_stars");
    CHECK(code_of([&] { add_rating(db, film, 0, "play-3", "viewer-c"); }) == "invalid_stars");
    CHECK(code_of([&] { add_rating(db, film, 3, "<bad id>", "viewer-c"); }) == "invalid_play_id");
    CHECK(code_of([&] { add_rating(db, film, 3, "play-3", ""); }) == "invalid_viewer");
    CHECK_FALSE(film_ratings(db, add_film(db, "unrated")).average);
    // A rating stored before plays were checked (no viewer hash) is kept but counts nowhere.
    db.exec("INSERT INTO feedback_ratings (film_id, stars, play_id) VALUES (" + std::to_string(film) + ", 5, 'old')");
    CHECK(film_ratings(db, film).count == 2);
    CHECK(audience_award(db).ratings == 2);
}

TEST_CASE("the award ranks by the Bayesian average, matching a hand-computed example") {
    auto db = fresh_catalog();
    const auto lone = add_film(db, "lone-five");     // one 5-star vote
    const auto loved = add_film(db, "loved");        // ten votes averaging 4.6
    const auto cold = add_film(db, "cold");          // 2, 3, 1
    const auto hidden = add_film(db, "hidden", false);
    rate_once(db, lone, 5);
    for (int i = 0; i < 6; ++i) rate_once(db, loved, 5);
    for (int i = 0; i < 4; ++i) rate_once(db, loved, 4);
    for (int stars : {2, 3, 1}) rate_once(db, cold, stars);
    rate_once(db, hidden, 1);  // unpublished films are neither ranked nor in the mean

    // By hand: 14 ratings summing to 57, so m = 57/14 and C = 10.
    //   loved: (570/14 + 46) / 20 = 1214/280 = 4.335714…
    //   lone:  (570/14 + 5) / 11  = 640/154  = 4.155844…
    //   cold:  (570/14 + 6) / 13  = 654/182  = 3.593406…
    const auto award = audience_award(db);
    CHECK(award.prior_weight == 10);
    CHECK(award.ratings == 14);
    REQUIRE(award.festival_mean);
    CHECK(*award.festival_mean == doctest::Approx(57.0 / 14.0));
    REQUIRE(award.entries.size() == 3);
    CHECK(award.entries[0].slug == "loved");
    CHECK(award.entries[0].score == doctest::Approx(1214.0 / 280.0));
    CHECK(award.entries[0].average == doctest::Approx(4.6));
    CHECK(award.entries[1].slug == "lone-five");
    CHECK(award.entries[1].score == doctest::Approx(640.0 / 154.0));
    CHECK(award.entries[1].average == doctest::Approx(5.0));
    CHECK(award.entries[2].slug == "cold");
    CHECK(award.entries[2].score == doctest::Approx(654.0 / 182.0));
    CHECK(award.entries[2].rank == 3);
    CHECK(bayesian_average(10, 4.0, 5, 1) == doctest::Approx(45.0 / 11.0));

    CHECK_FALSE(award_is_public(db));
    set_award_public(db, true);
    CHECK(audience_award(db).is_public);
}

TEST_CASE("comments wait for moderation, duplicates merge, and bulk actions apply to many at once") {
    auto db = fresh_catalog();
    const auto film = add_film(db, "retour");
    const auto first = submit_comment(db, comment_from(film, "Très beau film <script>alert(1)</script>"));
    const auto again = submit_comment(db, comment_from(film, "Très beau film <script>alert(1)</script>"));
    CHECK_FALSE(first.merged);
    CHECK(again.merged);
    CHECK(again.id == first.id);
    // The same text from someone else is another comment.
    CHECK_FALSE(submit_comment(db, comment_from(film, "Très beau film <script>alert(1)</script>", "bbbb")).merged);
    const auto third = submit_comment(db, comment_from(film, "Merci"));

    comment_query pub;
    pub.status = comment_status::approved;
    pub.film_id = film;
    CHECK(list_comments(db, pub).total == 0);

    comment_query queue;
    queue.status = comment_status::pending;
    const auto pending = list_comments(db, queue);
    REQUIRE(pending.total == 3);
    CHECK(pending.items[0].id == third.id);  // newest first by default
    CHECK(pending.items[2].id == first.id);
    CHECK(pending.items[2].submissions == 2);

    CHECK(moderate_comments(db, {first.id, third.id, 9999}, moderation_action::approve) == 2);
    const auto shown = list_comments(db, pub);
    REQUIRE(shown.total == 2);
    CHECK(shown.items[0].id == third.id);  // newest first
    CHECK(shown.items[1].text == "Très beau film <script>alert(1)</script>");  // verbatim
    CHECK(moderate_comments(db, {third.id}, moderation_action::reject) == 1);
    CHECK(list_comments(db, pub).total == 1);
    CHECK(moderate_comments(db, {first.id, third.id}, moderation_action::remove) == 2);
    comment_query everything;
    CHECK(list_comments(db, everything).total == 1);

    CHECK(code_of([&] { submit_comment(db, comment_from(film, "")); }) == "empty");
    CHECK(code_of([&] {
              auto c = comment_from(film, "ok");
              c.lang = "<b>";
              submit_comment(db, c);
          }) == "invalid_lang");
}

TEST_CASE("a comment at the length limit in four-byte characters is stored and merges like any other") {
    auto db = fresh_catalog();
    const auto film = add_film(db, "longue");
    // Varied supplementary-plane characters (four bytes each, 8,000 bytes in all) that do not compress.
    std::string longest;
    std::uint32_t seed = 12345;
    for (std::size_t i = 0; i < max_comment_chars; ++i) {
        seed = seed * 1103515245u + 12345u;
        const std::uint32_t cp = 0x20000 + (seed >> 8) % 0xA000;  // CJK Extension B
        longest += static_cast<char>(0xF0 | (cp >> 18));
        longest += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        longest += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        longest += static_cast<char>(0x80 | (cp & 0x3F));
    }
    const auto first = submit_comment(db, comment_from(film, longest));
    CHECK_FALSE(first.merged);
    const auto again = submit_comment(db, comment_from(film, longest));
    CHECK(again.merged);
    CHECK(again.id == first.id);
    CHECK_FALSE(submit_comment(db, comment_from(film, longest, "bbbb")).merged);
}

TEST_CASE("every film's ratings and approved comments are counted at once, equal to one film's") {
    auto db = fresh_catalog();
    const auto rated = add_film(db, "rated");
    const auto discussed = add_film(db, "discussed");
    const auto quiet = add_film(db, "quiet");
    for (int stars : {5, 4, 2}) rate_once(db, rated, stars);
    rate_once(db, discussed, 3);
    const auto approved = submit_comment(db, comment_from(discussed, "Bravo"));
    submit_comment(db, comment_from(discussed, "Merci", "bbbb"));  // still pending: not counted
    const auto rejected = submit_comment(db, comment_from(rated, "Hors sujet"));
    moderate_comments(db, {approved.id}, moderation_action::approve);
    moderate_comments(db, {rejected.id}, moderation_action::reject);

    const auto counts = feedback_counts_by_film(db);
    REQUIRE(counts.count(rated) == 1);
    CHECK(counts.at(rated).ratings.count == 3);
    CHECK(counts.at(rated).ratings.sum == 11);
    CHECK(counts.at(rated).ratings.average == doctest::Approx(11.0 / 3));
    CHECK(counts.at(rated).approved_comments == 0);
    CHECK(counts.at(discussed).ratings.count == 1);
    CHECK(counts.at(discussed).approved_comments == 1);
    CHECK(counts.count(quiet) == 0);
    for (const auto film : {rated, discussed}) {
        CHECK(counts.at(film).ratings.count == film_ratings(db, film).count);
        CHECK(counts.at(film).ratings.sum == film_ratings(db, film).sum);
    }
}

TEST_CASE("a formula behind white space, NBSP, an ideographic space or in full-width forms is defused") {
    CHECK(csv_field(" =1+1") == "' =1+1");
    CHECK(csv_field("   @SUM(A1)") == "'   @SUM(A1)");
    CHECK(csv_field("\xC2\xA0=1+1") == "'\xC2\xA0=1+1");                 // U+00A0 NBSP
    CHECK(csv_field("\xE3\x80\x80+1") == "'\xE3\x80\x80+1");             // U+3000 ideographic space
    CHECK(csv_field("\xEF\xBC\x9D" "1+1") == "'\xEF\xBC\x9D" "1+1");           // U+FF1D full-width =
    CHECK(csv_field("\xEF\xBC\x8B" "1") == "'\xEF\xBC\x8B" "1");               // U+FF0B full-width +
    CHECK(csv_field("\xEF\xBC\x8D" "1") == "'\xEF\xBC\x8D" "1");               // U+FF0D full-width -
    CHECK(csv_field("\xEF\xBC\xA0" "x") == "'\xEF\xBC\xA0" "x");               // U+FF20 full-width @
    CHECK(csv_field("\xE2\x80\x83\xEF\xBB\xBF-2") == "'\xE2\x80\x83\xEF\xBB\xBF-2");  // em space, BOM
    CHECK(csv_field("\tplain") == "'\tplain");
    CHECK(csv_field("\rplain") == "\"'\rplain\"");
    CHECK(csv_field("\n=1") == "\"'\n=1\"");
    // Text that merely contains these characters, or white space alone, is left as it is.
    CHECK(csv_field(" plain") == " plain");
    CHECK(csv_field("a = b") == "a = b");
    CHECK(csv_field("\xC2\xA0") == "\xC2\xA0");
    CHECK(csv_field("\xEF\xBC\x9A") == "\xEF\xBC\x9A");                  // U+FF1A full-width colon
    CHECK(csv_field("\xC2") == "\xC2");                                     // a broken sequence
}

TEST_CASE("CSV cells are quoted per RFC 4180 and formula cells are defused") {
    CHECK(csv_field("plain") == "plain");
    CHECK(csv_field("a,b") == "\"a,b\"");
    CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_field("two\nlines") == "\"two\nlines\"");
    CHECK(csv_field("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"");
    CHECK(csv_field("+33 1") == "'+33 1");
    CHECK(csv_field("-2") == "'-2");
    CHECK(csv_field("@SUM(A1)") == "'@SUM(A1)");
    CHECK(csv_field("Réintégration ñ") == "Réintégration ñ");
    CHECK(csv_record({"a", "b,c"}) == "a,\"b,c\"\r\n");

    auto db = fresh_catalog();
    const auto film = add_film(db, "retour");
    submit_comment(db, comment_from(film, "=1+1 Très émouvant, niño"));
    const auto csv = comments_csv(db);
    CHECK(csv.rfind("\xEF\xBB\xBF" "id,film,", 0) == 0);
    CHECK(csv.find("\"'=1+1 Très émouvant, niño\"") != std::string::npos);
}

TEST_CASE("the festival form keeps question ids, checks answers and exports them") {
    auto db = fresh_catalog();
    const auto film = add_film(db, "retour");
    auto questions = form_questions(db);
    REQUIRE(questions.size() == 3);  // the default form
    CHECK(questions[0]["kind"] == "choice");
    CHECK(questions[1]["kind"] == "film");
    const auto heard = questions[0]["id"].get<std::int64_t>();
    const auto touched = questions[1]["id"].get<std::int64_t>();
    const auto word = questions[2]["id"].get<std::int64_t>();

    const auto sid = submit_form_answers(
        db, {{std::to_string(heard), "friends"}, {std::to_string(touched), "retour"}, {std::to_string(word), "Merci ñ"}},
        "fr");
    CHECK(sid > 0);
    CHECK(code_of([&] { submit_form_answers(db, {{std::to_string(heard), "tv"}}, "fr"); }) == "invalid_answer");
    CHECK(code_of([&] { submit_form_answers(db, {{"999", "x"}}, "fr"); }) == "unknown_question");
    CHECK(code_of([&] { submit_form_answers(db, nlohmann::json::object(), "fr"); }) == "empty");

    // Drop the film question, make the text one required and add a new choice.
    nlohmann::json changed = nlohmann::json::array();
    changed.push_back(questions[2]);
    changed[0]["required"] = true;
    changed.push_back(questions[0]);
    changed.push_back({{"kind", "choice"},
                       {"label", {{"en", "Again next year?"}}},
                       {"options", {{{"value", "yes"}, {"label", {{"en", "Yes"}}}}}}});
    const auto now = replace_form_questions(db, changed);
    REQUIRE(now.size() == 3);
    CHECK(now[0]["id"] == word);
    CHECK(now[0]["required"] == true);
    CHECK(now[1]["id"] == heard);
    CHECK(code_of([&] { submit_form_answers(db, {{std::to_string(heard), "press"}}, "en"); }) == "answer_required");
    CHECK(code_of([&] { replace_form_questions(db, {{{"kind", "poll"}, {"label", {{"en", "?"}}}}}); }) ==
          "invalid_question");
    changed[0]["kind"] = "film";
    CHECK(code_of([&] { replace_form_questions(db, changed); }) == "invalid_form");

    const auto csv = answers_csv(db, "fr");
    CHECK(csv.rfind("\xEF\xBB\xBF", 0) == 0);
    CHECK(csv.find("Comment avez-vous connu le festival ?") != std::string::npos);
    CHECK(csv.find(",friends,retour,Merci ñ") != std::string::npos);  // the film answer as its slug
    const auto all = feedback_json(db);
    CHECK(all["answers"].size() == 1);
    CHECK(all["questions"].size() == 3);
    CHECK(film > 0);
}
