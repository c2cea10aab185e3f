// Feeds and reminders without accounts, and what search engines read first: the Atom feed of films per
// page language, a film's screening window as a calendar file, sitemap.xml and robots.txt (docs/feeds.md).
// What a feed or the sitemap lists is what GET /api/films shows anyone: published films only.
#include <algorithm>
#include <array>
#include <map>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/festival_info.hpp"
#include "catalog/film_texts.hpp"
#include "catalog/films.hpp"
#include "catalog/premieres.hpp"
#include "server/api/atom_feed.hpp"
#include "server/api/calendar_file.hpp"
#include "server/api/film_lookup.hpp"
#include "server/api/handlers.hpp"
#include "server/api/page_urls.hpp"
#include "server/api/site_pages.hpp"
#include "server/api/sitemap.hpp"
#include "server/http/file_cache.hpp"

namespace festival::server {
namespace {

constexpr std::int64_t opening_soon_seconds = 30 * 86400;  // how far ahead a feed announces openings
constexpr std::size_t feed_entries = 50;
// The date in the tag: IRIs of entries (RFC 4151): fixed, so an entry's id never changes.
constexpr std::string_view tag_date = "2026";

// What a feed says in each page language; "{title}" and "{date}" are filled in.
struct feed_words {
    std::string_view language;
    std::string_view films;            // the feed's title after the festival's name
    std::string_view subtitle;
    std::string_view available;        // the category label of a film one can watch now
    std::string_view opening_soon;     // the category label of a film whose window opens soon
    std::string_view opening_title;    // "Opening soon: {title} (from {date})"
    std::string_view opening_summary;  // "Available from {date}."
    std::string_view premiere_title;   // "Premiere: {title}, {date}"
    std::string_view premiere;         // the category label of a premiere
    std::array<std::string_view, 12> months;
};

constexpr std::array<feed_words, 3> words_by_language{{
    {"fr", "films", "Les films à voir maintenant et ceux qui arrivent bientôt", "À voir maintenant", "Bientôt",
     "Bientôt : {title} (à partir du {date})", "À voir à partir du {date}.", "Avant-première : {title}, le {date}",
     "Avant-première",
     {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
      "décembre"}},
    {"en", "films", "Films to watch now and those opening soon", "Watch now", "Opening soon",
     "Opening soon: {title} (from {date})", "Available from {date}.", "Premiere: {title}, {date}", "Premiere",
     {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
      "December"}},
    {"es", "películas", "Las películas para ver ahora y las que llegan pronto", "Para ver ahora", "Próximamente",
     "Próximamente: {title} (desde el {date})", "Disponible desde el {date}.", "Preestreno: {title}, el {date}",
     "Preestreno",
     {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre",
      "diciembre"}},
}};

const feed_words* words_for(std::string_view language) {
    for (const auto& w : words_by_language)
        if (w.language == language) return &w;
    return nullptr;
}

std::string filled(std::string_view pattern, std::string_view title, std::string_view date) {
    std::string out(pattern);
    if (const auto at = out.find("{title}"); at != std::string::npos) out.replace(at, 7, title);
    if (const auto at = out.find("{date}"); at != std::string::npos) out.replace(at, 6, date);
    return out;
}

// "1er décembre 2026", "December 1, 2026", "1 de diciembre de 2026": the UTC day, as the window's
// bounds are stored; with_time adds "19:00 UTC" (premieres start at a time, not on a day).
std::string spoken_date(const feed_words& words, std::int64_t unix_seconds, bool with_time) {
    const auto iso = catalog::format_utc(unix_seconds);  // "2026-12-01T19:00:00Z"
    const auto year = iso.substr(0, 4);
    const int month = std::stoi(iso.substr(5, 2));
    const int day = std::stoi(iso.substr(8, 2));
    const std::string month_name(words.months[static_cast<std::size_t>(month - 1)]);
    std::string date;
    if (words.language == "en") date = month_name + " " + std::to_string(day) + ", " + year;
    else if (words.language == "es") date = std::to_string(day) + " de " + month_name + " de " + year;
    else date = (day == 1 ? std::string("1er") : std::to_string(day)) + " " + month_name + " " + year;
    if (with_time) date += (words.language == "en" ? ", " : " ") + iso.substr(11, 5) + " UTC";
    return date;
}

// A film's texts in a page language (catalog/film_texts: the pages' fallback order).
std::string synopsis_in(const catalog::film& film, std::string_view language) {
    return catalog::film_text_in(film, language, &catalog::film_text::synopsis).text;
}

std::string title_in(const catalog::film& film, std::string_view language) {
    return catalog::film_title_in(film, language).text;
}

std::int64_t stored_time(const std::string& text) { return catalog::parse_stored_time(text).value_or(0); }

// The poster's absolute address, or "" when the film has none (or names it in a way we cannot make absolute).
std::string poster_url(const std::string& origin, const catalog::film& film) {
    if (!film.poster) return {};
    if (film.poster->starts_with("/") && !film.poster->starts_with("//")) return origin + *film.poster;
    if (film.poster->starts_with("https://") || film.poster->starts_with("http://")) return *film.poster;
    return {};
}

// Every published film whose screening state is one of `states`, with its texts.
std::vector<catalog::film> public_films(catalog::database& db, std::int64_t now,
                                        std::initializer_list<catalog::screening_state> states) {
    std::vector<catalog::film> films;
    for (const auto state : states) {
        catalog::film_query query;
        query.published_only = true;
        query.screening = state;
        query.limit = 1'000'000;  // a festival's catalog: hundreds of films at most
        for (auto& f : catalog::list_films(db, query, now).items) films.push_back(std::move(f));
    }
    return films;
}

// A generated text answer that caches may keep for five minutes and revalidate by its ETag.
http_response shared_text(const http_request& request, std::string body, std::string content_type) {
    const auto etag = content_etag(body);
    http_response response;
    response.set_header("ETag", etag);
    response.set_header("Cache-Control", "public, max-age=300");
    if (const auto inm = request.header("if-none-match"); inm && etag_listed(*inm, etag)) {
        response.status = 304;
        return response;
    }
    response.set_header("Content-Type", std::move(content_type));
    response.body = std::move(body);
    return response;
}

}  // namespace

http_response get_film_feed(festival_app& app, http_request& request) {
    const auto& language = request.params.at("lang");
    const auto* words = words_for(language);
    if (!words) throw http_error(404, "not_found", "nothing at " + request.path);
    auto& db = app.catalog.local();
    const auto now = catalog::unix_now();
    const auto origin = site_origin(app, request);
    const auto tag = "tag:" + host_of(origin) + "," + std::string(tag_date) + ":";
    const auto festival = catalog::load_festival(db);
    const auto festival_name = festival.name.empty() ? std::string("Festival") : festival.name;

    atom_feed feed;
    feed.id = tag + "films-" + language;
    feed.language = language;
    feed.title = festival_name + " — " + std::string(words->films);
    feed.subtitle = words->subtitle;
    feed.self = origin + "/" + language + "/feed.atom";
    feed.alternate = origin + page_path(language, "catalog");
    feed.author_name = festival_name;
    feed.author_uri = origin + page_path(language, "");

    for (const auto& film : public_films(db, now, {catalog::screening_state::now, catalog::screening_state::upcoming})) {
        const auto window = catalog::screening_window_of(film);
        const auto opens = window.starts().value_or(0);
        const bool open = window.state_at(now) == catalog::screening_state::now;
        if (!open && opens - now > opening_soon_seconds) continue;  // announced once it is 30 days away
        const auto title = title_in(film, language);
        const auto synopsis = synopsis_in(film, language);
        atom_entry entry;
        entry.link = origin + page_path(language, "films/" + film.slug);
        entry.thumbnail = poster_url(origin, film);
        if (open) {
            // One id per film while it screens; the announcement below has its own, so that readers
            // show the opening as news rather than as an edit of the announcement.
            entry.id = tag + "film-" + std::to_string(film.id);
            entry.title = title;
            entry.summary = synopsis;
            entry.updated = std::max(stored_time(film.updated_at), opens);
            entry.category = "available";
            entry.category_label = words->available;
        } else {
            const auto date = spoken_date(*words, opens, false);
            entry.id = tag + "film-" + std::to_string(film.id) + "-opening";
            entry.title = filled(words->opening_title, title, date);
            entry.summary = filled(words->opening_summary, title, date);
            if (!synopsis.empty()) entry.summary += "\n\n" + synopsis;
            entry.updated = std::max(stored_time(film.updated_at), opens - opening_soon_seconds);
            entry.category = "opening-soon";
            entry.category_label = words->opening_soon;
        }
        feed.entries.push_back(std::move(entry));
    }

    // Premieres of public films that start within the next 30 days, or are on now.
    std::map<std::int64_t, std::optional<catalog::film>> premiere_films;
    for (const auto& premiere : catalog::all_premieres(db)) {
        const auto starts = premiere.starts_at_unix();
        if (premiere.phase_at(now) == catalog::premiere_phase::ended || starts - now > opening_soon_seconds) continue;
        auto& film = premiere_films[premiere.film_id];
        if (!film) film = catalog::find_film(db, premiere.film_id).value_or(catalog::film{});
        if (!film->published) continue;
        atom_entry entry;
        entry.id = tag + "premiere-" + std::to_string(premiere.id);
        entry.title = filled(words->premiere_title, title_in(*film, language), spoken_date(*words, starts, true));
        entry.summary = premiere.note;
        entry.link = origin + page_path(language, "premieres/" + std::to_string(premiere.id));
        entry.updated = std::max(stored_time(premiere.created_at), starts - opening_soon_seconds);
        entry.category = "premiere";
        entry.category_label = words->premiere;
        entry.thumbnail = poster_url(origin, *film);
        feed.entries.push_back(std::move(entry));
    }

    std::sort(feed.entries.begin(), feed.entries.end(), [](const atom_entry& a, const atom_entry& b) {
        return a.updated != b.updated ? a.updated > b.updated : a.id < b.id;
    });
    if (feed.entries.size() > feed_entries) feed.entries.resize(feed_entries);
    feed.updated = feed.entries.empty() ? 0 : feed.entries.front().updated;
    return shared_text(request, atom_document(feed), "application/atom+xml; charset=utf-8");
}

http_response get_film_calendar(festival_app& app, http_request& request) {
    const auto film = load_visible_film(app, request);
    const auto language = request.query_param("lang").value_or("en");
    if (!words_for(language)) throw http_error(400, "invalid_query", "'lang' must be fr, en or es");
    const auto window = catalog::screening_window_of(film);
    if (!window.starts())
        throw http_error(404, "no_window", "film '" + film.slug + "' has no screening window with an opening");
    const auto origin = site_origin(app, request);
    calendar_event event;
    event.uid = "film-" + std::to_string(film.id) + "-window@" + host_of(origin);
    event.stamp = catalog::unix_now();
    event.starts = *window.starts();
    // A window with no closing: a one-hour reminder at the opening (a calendar event needs an end, and
    // an event lasting for ever would fill the viewer's calendar).
    event.ends = window.ends().value_or(*window.starts() + 3600);
    event.summary = title_in(film, language);
    event.url = origin + page_path(language, "films/" + film.slug);
    const auto synopsis = synopsis_in(film, language);
    event.description = synopsis.empty() ? event.url : synopsis + "\n\n" + event.url;
    http_response response;
    response.body = calendar_file({event});
    response.set_header("Content-Type", "text/calendar; charset=utf-8");
    response.set_header("Content-Disposition", "attachment; filename=\"" + film.slug + ".ics\"");
    response.set_header("Cache-Control", "no-store");
    return response;
}

http_response get_sitemap(festival_app& app, http_request& request) {
    auto& db = app.catalog.local();
    const auto now = catalog::unix_now();
    std::vector<sitemap_page> pages;
    std::map<std::int64_t, catalog::film> films;
    for (auto& film : public_films(db, now, {catalog::screening_state::now, catalog::screening_state::upcoming,
                                             catalog::screening_state::ended}))
        films.emplace(film.id, std::move(film));
    for (const auto& page : site_pages) {
        if (!page.indexable) continue;
        if (page.path.find("{key}") == std::string_view::npos) {
            pages.push_back({std::string(page.path), 0});
        } else if (page.name == "film") {
            for (const auto& [id, film] : films) pages.push_back({page_path_with_key(page.path, film.slug), stored_time(film.updated_at)});
        } else if (page.name == "premiere") {
            for (const auto& premiere : catalog::all_premieres(db))
                if (films.contains(premiere.film_id) && premiere.phase_at(now) != catalog::premiere_phase::ended)
                    pages.push_back({page_path_with_key(page.path, std::to_string(premiere.id)), stored_time(premiere.created_at)});
        }
    }
    return shared_text(request, sitemap_document(site_origin(app, request), pages), "application/xml; charset=utf-8");
}

http_response get_robots(festival_app& app, http_request& request) {
    return shared_text(request, robots_text(site_origin(app, request)), "text/plain; charset=utf-8");
}

}  // namespace festival::server
