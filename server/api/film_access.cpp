#include "server/api/film_access.hpp"

#include "catalog/film_curators.hpp"
#include "server/api/film_lookup.hpp"
#include "server/api/handlers.hpp"

namespace festival::server {
namespace {

nlohmann::json curators_json(const std::vector<catalog::user>& curators) {
    auto out = nlohmann::json::array();
    for (const auto& u : curators) out.push_back({{"id", u.id}, {"email", u.email}, {"display_name", u.display_name}});
    return out;
}

}  // namespace

bool can_edit_film(festival_app& app, const catalog::signed_in& who, std::int64_t film_id) {
    return who.user.role == catalog::role::organizer || catalog::is_film_curator(app.catalog.local(), film_id, who.user.id);
}

void require_film_access(festival_app& app, const http_request& request, std::int64_t film_id) {
    if (!request.session) throw http_error(401, "not_signed_in", "sign in to do this");
    if (!can_edit_film(app, *request.session, film_id))
        throw http_error(403, "not_your_film", "this film is assigned to other curators; an organizer can assign you");
}

void add_staff_fields(festival_app& app, const catalog::signed_in& who, const std::vector<catalog::film>& films,
                      nlohmann::json& items) {
    std::vector<std::int64_t> ids;
    for (const auto& f : films) ids.push_back(f.id);
    const auto curators = catalog::curators_of_films(app.catalog.local(), ids);
    const bool organizer = who.user.role == catalog::role::organizer;
    for (std::size_t i = 0; i < films.size(); ++i) {
        const auto found = curators.find(films[i].id);
        const auto& assigned = found == curators.end() ? std::vector<catalog::user>{} : found->second;
        bool mine = organizer;
        for (const auto& u : assigned) mine = mine || u.id == who.user.id;
        items[i]["curators"] = curators_json(assigned);
        items[i]["can_edit"] = mine;
    }
}

http_response put_film_curators(festival_app& app, http_request& request) {
    require_json_content(request);
    const auto body = request.json_body();
    const auto film = load_film_for_change(app, request);
    const auto list = body.is_object() ? body.find("curators") : body.end();
    if (list == body.end() || !list->is_array() || list->size() > 1000)
        throw http_error(400, "invalid_curators", "send {\"curators\": [user id or email, …]}");
    std::vector<std::string> entries;
    for (const auto& entry : *list) {
        if (entry.is_number_integer()) entries.push_back(std::to_string(entry.get<std::int64_t>()));
        else if (entry.is_string()) entries.push_back(entry.get<std::string>());
        else throw http_error(400, "invalid_curators", "each curator is a user id or an email");
    }
    const auto assigned = catalog::set_film_curators(app.catalog.local(), film.id, entries);
    return http_response::json(200, {{"film_id", film.id}, {"curators", curators_json(assigned)}});
}

}  // namespace festival::server
