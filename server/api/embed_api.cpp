// GET/PUT /api/films/{key}/embed: whether a film may be embedded on other sites, and on which (its
// curators and organizers), answered with the embed page's address and the snippet partners paste.
#include "catalog/film_embeds.hpp"
#include "server/api/film_lookup.hpp"
#include "server/api/handlers.hpp"
#include "server/api/markup_text.hpp"
#include "server/api/page_urls.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

// More entries than a film may keep (20, after duplicates go) are refused by the catalog; this bound
// only keeps a hostile body from costing more than that check.
constexpr std::size_t max_sites_sent = 100;

std::string embed_path(const catalog::film& film) { return "/embed/" + film.slug; }

// The HTML a partner pastes: an absolute address, a title for screen readers, full screen allowed,
// and the referrer policy that lets the frame know the page's origin (counted as the play's site).
std::string embed_snippet(const std::string& origin, const catalog::film& film) {
    return "<iframe src=\"" + escape_markup(origin + embed_path(film)) + "\" title=\"" +
           escape_markup(film.original_title) +
           "\" width=\"640\" height=\"360\" allow=\"autoplay; fullscreen; picture-in-picture\" allowfullscreen "
           "referrerpolicy=\"strict-origin-when-cross-origin\" loading=\"lazy\"></iframe>";
}

http_response embed_answer(festival_app& app, const http_request& request, const catalog::film& film,
                           const catalog::film_embed& embed) {
    return http_response::json(
        200, {{"film_id", film.id},
              {"enabled", embed.enabled},
              {"sites", embed.sites},
              {"updated_at", embed.updated_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(embed.updated_at)},
              {"embed_url", embed_path(film)},
              {"snippet", embed_snippet(site_origin(app, request), film)}});
}

}  // namespace

http_response get_film_embed(festival_app& app, http_request& request) {
    const auto film = load_film_for_change(app, request);
    return embed_answer(app, request, film, catalog::find_film_embed(app.catalog.local(), film.id));
}

http_response put_film_embed(festival_app& app, http_request& request) {
    require_json_content(request);
    const auto body = request.json_body();
    const auto film = load_film_for_change(app, request);
    const auto enabled = body.is_object() ? body.find("enabled") : body.end();
    if (enabled == body.end() || !enabled->is_boolean())
        throw http_error(400, "invalid_embed", "send {\"enabled\": true or false, \"sites\": [\"https://…\", …]}");
    std::vector<std::string> sites;
    if (const auto list = body.find("sites"); list != body.end() && !list->is_null()) {
        if (!list->is_array() || list->size() > max_sites_sent)
            throw http_error(400, "invalid_embed", "\"sites\" is a list of at most 20 origins such as \"https://partner.example\"");
        for (const auto& site : *list) {
            if (!site.is_string()) throw http_error(400, "invalid_site", "each site is an origin such as \"https://partner.example\"");
            sites.push_back(site.get<std::string>());
        }
    }
    const auto saved = catalog::save_film_embed(app.catalog.local(), film.id, enabled->get<bool>(), sites);
    log_event("film_embed_saved", {{"film", film.id}, {"enabled", saved.enabled}, {"sites", saved.sites.size()},
                                   {"by", request.session->user.id}});
    return embed_answer(app, request, film, saved);
}

}  // namespace festival::server
