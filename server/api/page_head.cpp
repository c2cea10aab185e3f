#include "server/api/page_head.hpp"

#include "catalog/clock.hpp"
#include "server/api/markup_text.hpp"
#include "catalog/film_texts.hpp"
#include "server/api/page_texts.hpp"
#include "server/api/page_urls.hpp"

namespace festival::server {
namespace {

// Link previews show a line or two: a synopsis is cut at a word near 300 bytes, never inside a
// UTF-8 sequence.
std::string short_description(const std::string& text) {
    constexpr std::size_t limit = 300;
    if (text.size() <= limit) return text;
    std::size_t cut = limit - 3;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    if (const auto space = text.rfind(' ', cut); space != std::string::npos && space + 40 > cut) cut = space;
    return text.substr(0, cut) + "…";
}

// <meta name="…" content="…"> (`attribute` "name") or, for Open Graph, <meta property="…" …>.
void meta_element(std::string& out, std::string_view attribute, std::string_view key, std::string_view content) {
    out += "  <meta ";
    out += attribute;
    out += "=\"";
    out += key;
    out += "\" content=\"";
    out += escape_markup(content);
    out += "\">\n";
}

void meta_name(std::string& out, std::string_view name, std::string_view content) {
    meta_element(out, "name", name, content);
}

void meta_property(std::string& out, std::string_view property, std::string_view content) {
    meta_element(out, "property", property, content);
}

void link_element(std::string& out, std::string_view attributes, std::string_view href) {
    out += "  <link ";
    out += attributes;
    out += " href=\"";
    out += escape_markup(href);
    out += "\">\n";
}

// The page's path after "/{lang}/", with the canonical key: a film's slug (its id also reaches it).
std::string canonical_path(const page_head_input& input) {
    const auto pattern = input.address.page->path;
    const auto brace = pattern.find("{key}");
    if (brace == std::string_view::npos) return std::string(pattern);
    std::string key = input.address.key;
    if (input.address.page->name == "film" && input.film) key = input.film->slug;
    if (input.address.page->name == "premiere" && input.premiere) key = std::to_string(input.premiere->id);
    return std::string(pattern.substr(0, brace)) + key;
}

nlohmann::json movie_json(const catalog::film& film, const std::string& name,
                          const std::string& description, const std::string& url, const std::string& image) {
    nlohmann::json movie = {{"@type", "Movie"}, {"name", name}, {"url", url}};
    if (!description.empty()) movie["description"] = description;
    if (!image.empty()) movie["image"] = image;
    if (!film.original_title.empty() && film.original_title != name) movie["alternateName"] = film.original_title;
    if (!film.directors.empty()) {
        auto directors = nlohmann::json::array();
        for (const auto& d : film.directors) directors.push_back({{"@type", "Person"}, {"name", d}});
        movie["director"] = std::move(directors);
    }
    if (film.year) movie["datePublished"] = std::to_string(*film.year);
    if (film.runtime_minutes && *film.runtime_minutes > 0) movie["duration"] = iso_duration(*film.runtime_minutes);
    if (!film.spoken_languages.empty())
        movie["inLanguage"] = film.spoken_languages.size() == 1 ? nlohmann::json(film.spoken_languages[0])
                                                                : nlohmann::json(film.spoken_languages);
    if (!film.countries.empty()) {
        auto countries = nlohmann::json::array();
        for (const auto& c : film.countries) countries.push_back({{"@type", "Country"}, {"name", c}});
        movie["countryOfOrigin"] = std::move(countries);
    }
    if (!film.subtitle_languages.empty()) movie["subtitleLanguage"] = film.subtitle_languages;
    return movie;
}

}  // namespace

std::string film_text(const catalog::film& film, std::string_view language, std::string_view field) {
    return catalog::film_text_in(film, language, field == "title" ? &catalog::film_text::title : &catalog::film_text::synopsis)
        .text;
}

std::string json_for_script(const nlohmann::json& value) {
    const auto text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '<') out += "\\u003c";
        else if (c == '>') out += "\\u003e";
        else if (c == '&') out += "\\u0026";
        else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' && (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
            out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::string iso_duration(int minutes) {
    std::string out = "PT";
    if (minutes >= 60) out += std::to_string(minutes / 60) + "H";
    if (minutes % 60 != 0 || minutes < 60) out += std::to_string(minutes % 60) + "M";
    return out;
}

std::string render_page_head(const page_head_input& input) {
    const auto& language = input.address.language;
    const auto& page = *input.address.page;
    const auto festival = input.festival_name.empty() ? page_phrase("festival", language) : input.festival_name;
    const auto texts = page_text_for(page.name, language);

    std::string title(texts.title);
    std::string description(texts.description);
    std::string image;
    std::string type = "website";
    nlohmann::json structured;
    const auto path = canonical_path(input);
    const auto url = input.origin + page_path(language, path);

    if (!input.found) {
        title = page_phrase("not_found", language);
        description = page_phrase("not_found_description", language);
    } else if (input.film) {
        const auto& film = *input.film;
        auto name = film_text(film, language, "title");
        if (name.empty()) name = film.original_title;
        if (const auto synopsis = film_text(film, language, "synopsis"); !synopsis.empty())
            description = short_description(synopsis);
        // The poster's own address (it changes with the image, so previews never keep an old one).
        if (film.poster)
            image = input.origin + (film.poster->starts_with('/') ? *film.poster : "/api/films/" + film.slug + "/poster");
        type = "video.movie";
        const auto film_url = input.origin + page_path(language, "films/" + film.slug);
        auto movie = movie_json(film, name, description, film_url, image);
        if (input.premiere) {
            title = page_phrase("premiere", language, name);
            const auto& p = *input.premiere;
            structured = {{"@type", "Event"},
                          {"name", title},
                          {"startDate", p.starts_at},
                          {"endDate", catalog::format_utc(p.room_closes_unix())},
                          {"eventStatus", "https://schema.org/EventScheduled"},
                          {"eventAttendanceMode", "https://schema.org/OnlineEventAttendanceMode"},
                          {"location", {{"@type", "VirtualLocation"}, {"url", url}}},
                          {"url", url},
                          {"description", p.note.empty() ? description : p.note},
                          {"organizer", {{"@type", "Organization"}, {"name", festival}, {"url", input.origin + "/"}}},
                          {"workPresented", std::move(movie)}};
            if (!image.empty()) structured["image"] = image;
        } else {
            title = name;
            structured = std::move(movie);
        }
        structured["@context"] = "https://schema.org";
    }
    const bool indexable = page.indexable && input.found && input.listed;

    std::string out;
    out += "<title>" + escape_markup(title + " — " + festival) + "</title>\n";
    meta_name(out, "description", description);
    if (!indexable) meta_name(out, "robots", "noindex");
    if (input.found) {
        link_element(out, "rel=\"canonical\"", url);
        for (const auto l : site_languages)
            link_element(out, "rel=\"alternate\" hreflang=\"" + std::string(l) + "\"", input.origin + page_path(l, path));
        link_element(out, "rel=\"alternate\" hreflang=\"x-default\"", input.origin + page_path("en", path));
    }
    link_element(out, "rel=\"alternate\" type=\"application/atom+xml\" title=\"" + escape_markup(page_phrase("feed", language)) + "\"",
         page_path(language, "feed.atom"));
    meta_property(out, "og:site_name", festival);
    meta_property(out, "og:title", title);
    meta_property(out, "og:description", description);
    meta_property(out, "og:type", type);
    if (input.found) meta_property(out, "og:url", url);
    meta_property(out, "og:locale", open_graph_locale(language));
    for (const auto l : site_languages)
        if (l != language) meta_property(out, "og:locale:alternate", open_graph_locale(l));
    if (!image.empty()) {
        meta_property(out, "og:image", image);
        meta_property(out, "og:image:alt", title);
    }
    meta_name(out, "twitter:card", image.empty() ? "summary" : "summary_large_image");
    meta_name(out, "twitter:title", title);
    meta_name(out, "twitter:description", description);
    if (!image.empty()) {
        meta_name(out, "twitter:image", image);
        meta_name(out, "twitter:image:alt", title);
    }
    if (!structured.is_null())
        out += "  <script type=\"application/ld+json\">" + json_for_script(structured) + "</script>\n";
    return out;
}

std::string complete_page(std::string_view html, std::string_view language, std::string_view head) {
    std::string out(html);
    constexpr std::string_view lang_attribute = "<html lang=\"";
    if (const auto at = out.find(lang_attribute); at != std::string::npos) {
        const auto start = at + lang_attribute.size();
        if (const auto end = out.find('"', start); end != std::string::npos) out.replace(start, end - start, language);
    }
    const auto open = out.find("<title>");
    const auto close = open == std::string::npos ? std::string::npos : out.find("</title>", open);
    if (close != std::string::npos) {
        auto end = close + 8;
        if (end < out.size() && out[end] == '\n') ++end;  // the head's lines end with their own
        out.replace(open, end - open, head);
    } else if (const auto head_end = out.find("</head>"); head_end != std::string::npos) {
        out.insert(head_end, head);
    }
    return out;
}

}  // namespace festival::server
