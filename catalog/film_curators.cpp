#include "catalog/film_curators.hpp"

#include <charconv>

#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/sql_lists.hpp"

namespace festival::catalog {
namespace {

// The account an entry names: digits only are an id, anything else an email (any case).
user find_named_user(database& db, const std::string& id_or_email) {
    std::int64_t id = 0;
    const auto* end = id_or_email.data() + id_or_email.size();
    const bool numeric = !id_or_email.empty() && std::from_chars(id_or_email.data(), end, id).ptr == end;
    auto st = db.prepare(numeric ? "SELECT id, email, display_name, role FROM users WHERE id = ?1"
                                 : "SELECT id, email, display_name, role FROM users WHERE lower(email) = lower(?1)");
    if (numeric) st.bind(1, id);
    else st.bind(1, id_or_email);
    if (!st.step()) throw invalid("unknown_user", "no account '" + id_or_email + "'");
    auto found = read_user_row(st);
    if (found.role != role::curator)
        throw invalid("not_a_curator", "'" + id_or_email + "' is an organizer, who may change every film already");
    return found;
}

}  // namespace

bool is_film_curator(database& db, std::int64_t film_id, std::int64_t user_id) {
    auto st = db.prepare("SELECT 1 FROM film_curators WHERE film_id = ?1 AND user_id = ?2");
    st.bind(1, film_id).bind(2, user_id);
    return st.step();
}

void assign_film_curator(database& db, std::int64_t film_id, std::int64_t user_id) {
    auto st = db.prepare(
        "INSERT INTO film_curators (film_id, user_id) VALUES (?1, ?2) ON CONFLICT (film_id, user_id) DO NOTHING");
    st.bind(1, film_id).bind(2, user_id).run();
}

std::vector<user> film_curators(database& db, std::int64_t film_id) {
    auto found = curators_of_films(db, {film_id});
    return found.empty() ? std::vector<user>{} : std::move(found.begin()->second);
}

std::map<std::int64_t, std::vector<user>> curators_of_films(database& db, const std::vector<std::int64_t>& film_ids) {
    std::map<std::int64_t, std::vector<user>> out;
    if (film_ids.empty()) return out;
    auto st = db.prepare(
        "SELECT fc.film_id, u.id, u.email, u.display_name, u.role FROM film_curators fc "
        "JOIN users u ON u.id = fc.user_id WHERE fc.film_id IN (" + ids_subquery(db, ":ids") +
        ") ORDER BY fc.film_id, u.display_name, u.email");
    st.bind(":ids", ids_json(film_ids));
    while (st.step()) out[st.int64("film_id")].push_back(read_user_row(st));
    return out;
}

std::vector<user> set_film_curators(database& db, std::int64_t film_id, const std::vector<std::string>& ids_or_emails) {
    transaction tx(db);
    std::vector<std::int64_t> user_ids;
    for (const auto& entry : ids_or_emails) user_ids.push_back(find_named_user(db, entry).id);
    db.prepare("DELETE FROM film_curators WHERE film_id = ?1").bind(1, film_id).run();
    for (const auto id : user_ids) assign_film_curator(db, film_id, id);
    tx.commit();
    return film_curators(db, film_id);
}

}  // namespace festival::catalog
