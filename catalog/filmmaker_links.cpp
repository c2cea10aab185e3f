#include "catalog/filmmaker_links.hpp"

#include "catalog/accounts.hpp"
#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/feedback_text.hpp"
#include "catalog/inserted_id.hpp"

namespace festival::catalog {
namespace {

constexpr const char* link_columns = "id, film_id, language, label, created_by, created_at, revoked_at";

filmmaker_link read_link(const statement& st) {
    return {st.int64("id"),      st.int64("film_id"), st.text("language"), st.text("label"),
            st.optional_int64("created_by"), st.text("created_at"), st.optional_text("revoked_at")};
}

void check_language(const std::string& language) {
    if (language != "fr" && language != "en" && language != "es")
        throw invalid("invalid_language", "a report's language is fr, en or es");
}

}  // namespace

created_filmmaker_link create_filmmaker_link(database& db, std::int64_t film_id, const std::string& language,
                                             const std::string& label, std::optional<std::int64_t> created_by) {
    check_language(language);
    check_viewer_text("label", label, max_report_label_chars, false);
    created_filmmaker_link made;
    made.token = random_token();
    made.link = {0, film_id, language, label, created_by, utc_now(), std::nullopt};
    auto st = db.prepare(
        "INSERT INTO filmmaker_links (film_id, token_hash, language, label, created_by, created_at) "
        "VALUES (:film, :hash, :language, :label, :by, :at) RETURNING id");
    st.bind(":film", film_id).bind(":hash", token_hash(made.token)).bind(":language", language);
    st.bind(":label", label).bind(":by", created_by).bind(":at", made.link.created_at);
    made.link.id = inserted_id(st);
    return made;
}

std::vector<filmmaker_link> list_filmmaker_links(database& db, std::int64_t film_id) {
    auto st = db.prepare(std::string("SELECT ") + link_columns +
                         " FROM filmmaker_links WHERE film_id = :film ORDER BY id");
    st.bind(":film", film_id);
    std::vector<filmmaker_link> links;
    while (st.step()) links.push_back(read_link(st));
    return links;
}

std::optional<filmmaker_link> find_filmmaker_link(database& db, std::int64_t id) {
    auto st = db.prepare(std::string("SELECT ") + link_columns + " FROM filmmaker_links WHERE id = :id");
    st.bind(":id", id);
    if (!st.step()) return std::nullopt;
    return read_link(st);
}

bool revoke_filmmaker_link(database& db, std::int64_t id) {
    auto st = db.prepare("UPDATE filmmaker_links SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL");
    st.bind(":at", utc_now()).bind(":id", id).run();
    if (db.changes() == 1) return true;
    if (!find_filmmaker_link(db, id)) throw not_found("report_link_not_found", "no such report link");
    return false;
}

std::optional<filmmaker_link> find_filmmaker_link_by_token(database& db, const std::string& token) {
    auto st = db.prepare(std::string("SELECT ") + link_columns +
                         " FROM filmmaker_links WHERE token_hash = :hash AND revoked_at IS NULL");
    st.bind(":hash", token_hash(token));
    if (!st.step()) return std::nullopt;
    return read_link(st);
}

nlohmann::json filmmaker_link_to_json(const filmmaker_link& link) {
    const auto optional = [](const auto& value) { return value ? nlohmann::json(*value) : nlohmann::json(nullptr); };
    return {{"id", link.id},
            {"film_id", link.film_id},
            {"language", link.language},
            {"label", link.label},
            {"created_at", link.created_at},
            {"revoked_at", optional(link.revoked_at)},
            {"active", !link.revoked_at}};
}

}  // namespace festival::catalog
