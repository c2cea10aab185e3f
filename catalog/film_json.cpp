#include "catalog/film_json.hpp"

#include <cctype>
#include <regex>

#include "catalog/clock.hpp"
#include "catalog/errors.hpp"

namespace festival::catalog {
namespace {

using json = nlohmann::json;

[[noreturn]] void bad_field(const std::string& field, const std::string& why) {
    throw invalid("invalid_field", "field '" + field + "': " + why);
}

std::string required_string(const json& j, const char* field, std::size_t max_length) {
    if (!j.contains(field) || !j[field].is_string()) bad_field(field, "a string is required");
    auto value = j[field].get<std::string>();
    if (value.empty()) bad_field(field, "must not be empty");
    if (value.size() > max_length) bad_field(field, "longer than " + std::to_string(max_length) + " bytes");
    return value;
}

std::string optional_string(const json& j, const char* field, std::size_t max_length) {
    if (!j.contains(field) || j[field].is_null()) return {};
    if (!j[field].is_string()) bad_field(field, "must be a string");
    auto value = j[field].get<std::string>();
    if (value.size() > max_length) bad_field(field, "longer than " + std::to_string(max_length) + " bytes");
    return value;
}

std::optional<int> optional_int(const json& j, const char* field, int low, int high) {
    if (!j.contains(field) || j[field].is_null()) return std::nullopt;
    if (!j[field].is_number_integer()) bad_field(field, "must be an integer");
    const auto value = j[field].get<long long>();
    if (value < low || value > high)
        bad_field(field, "must be between " + std::to_string(low) + " and " + std::to_string(high));
    return static_cast<int>(value);
}

std::vector<std::string> string_list(const json& j, const char* field, const std::regex* pattern) {
    if (!j.contains(field) || j[field].is_null()) return {};
    if (!j[field].is_array() || j[field].size() > 100) bad_field(field, "must be a list of at most 100 strings");
    std::vector<std::string> values;
    for (const auto& item : j[field]) {
        if (!item.is_string() || item.get<std::string>().empty() || item.get<std::string>().size() > 200)
            bad_field(field, "each entry must be a non-empty string of at most 200 bytes");
        auto value = item.get<std::string>();
        if (pattern && !std::regex_match(value, *pattern)) bad_field(field, "'" + value + "' is not valid here");
        values.push_back(std::move(value));
    }
    return values;
}

std::optional<std::string> optional_time(const json& j, const char* field) {
    if (!j.contains(field) || j[field].is_null()) return std::nullopt;
    if (!j[field].is_string()) bad_field(field, "must be an ISO 8601 UTC time string");
    const auto parsed = parse_utc(j[field].get<std::string>());
    if (!parsed) bad_field(field, "expected YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD");
    return format_utc(*parsed);
}

const std::regex& language_code() {
    static const std::regex pattern("[a-z]{2,3}");
    return pattern;
}

// Folds a title into a URL slug: lower-case ASCII, common Latin accents dropped, dashes between words.
std::string slug_from_title(const std::string& title) {
    static const std::pair<const char*, char> accents[] = {
        {"à", 'a'}, {"á", 'a'}, {"â", 'a'}, {"ä", 'a'}, {"ã", 'a'}, {"å", 'a'}, {"ç", 'c'}, {"è", 'e'},
        {"é", 'e'}, {"ê", 'e'}, {"ë", 'e'}, {"ì", 'i'}, {"í", 'i'}, {"î", 'i'}, {"ï", 'i'}, {"ñ", 'n'},
        {"ò", 'o'}, {"ó", 'o'}, {"ô", 'o'}, {"ö", 'o'}, {"õ", 'o'}, {"ù", 'u'}, {"ú", 'u'}, {"û", 'u'},
        {"ü", 'u'}, {"ý", 'y'}, {"ÿ", 'y'}, {"À", 'a'}, {"É", 'e'}, {"È", 'e'}, {"Ç", 'c'}, {"Ñ", 'n'}};
    std::string slug;
    for (std::size_t i = 0; i < title.size();) {
        const unsigned char c = static_cast<unsigned char>(title[i]);
        char mapped = 0;
        std::size_t width = 1;
        if (c < 0x80) {
            mapped = std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '-';
        } else {
            width = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            for (const auto& [from, to] : accents)
                if (title.compare(i, std::char_traits<char>::length(from), from) == 0) mapped = to;
            if (!mapped) mapped = '-';
        }
        if (mapped != '-' || (!slug.empty() && slug.back() != '-')) slug += mapped;
        i += width;
    }
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
    return slug.substr(0, 80);
}

}  // namespace

json film_to_json(const film& f, std::int64_t now) {
    json texts = json::object();
    for (const auto& [lang, text] : f.texts) texts[lang] = {{"title", text.title}, {"synopsis", text.synopsis}};
    auto optional = [](const auto& v) { return v ? json(*v) : json(nullptr); };
    json audio = json::array();
    bool audio_description = false;
    for (const auto& t : f.audio_tracks) {
        audio.push_back({{"language", t.lang}, {"role", t.role}, {"name", t.name}});
        audio_description = audio_description || t.role == "description";
    }
    return {{"id", f.id},
            {"slug", f.slug},
            {"original_title", f.original_title},
            {"year", optional(f.year)},
            {"runtime_minutes", optional(f.runtime_minutes)},
            {"category", f.category},
            {"directors", f.directors},
            {"countries", f.countries},
            {"themes", f.themes},
            {"spoken_languages", f.spoken_languages},
            {"subtitle_languages", f.subtitle_languages},
            {"audio", audio},
            {"audio_description", audio_description},
            {"credits", f.credits},
            {"poster", optional(f.poster)},
            {"rights_note", f.rights_note},
            {"published", f.published},
            {"available_from", optional(f.available_from)},
            {"available_until", optional(f.available_until)},
            {"screening", to_string(screening_window_of(f).state_at(now))},
            {"texts", texts},
            {"created_at", f.created_at},
            {"updated_at", f.updated_at}};
}

film film_from_json(const json& j) {
    if (!j.is_object()) throw invalid("invalid_body", "a film must be a JSON object");
    static const std::regex slug_pattern("[a-z0-9]+(-[a-z0-9]+)*");
    static const std::regex country_pattern("[A-Z]{2}");
    film f;
    f.original_title = required_string(j, "original_title", 300);
    f.slug = optional_string(j, "slug", 80);
    if (f.slug.empty()) f.slug = slug_from_title(f.original_title);
    if (f.slug.empty()) bad_field("slug", "could not be made from the title; give one");
    if (!std::regex_match(f.slug, slug_pattern)) bad_field("slug", "use lower-case letters, digits and dashes");
    f.year = optional_int(j, "year", 1880, 2100);
    f.runtime_minutes = optional_int(j, "runtime_minutes", 1, 1000);
    f.category = required_string(j, "category", 20);
    if (f.category != "documentary" && f.category != "short" && f.category != "fiction")
        bad_field("category", "must be documentary, short or fiction");
    f.directors = string_list(j, "directors", nullptr);
    f.countries = string_list(j, "countries", &country_pattern);
    f.themes = string_list(j, "themes", nullptr);
    f.spoken_languages = string_list(j, "spoken_languages", &language_code());
    f.subtitle_languages = string_list(j, "subtitle_languages", &language_code());
    if (j.contains("credits") && !j["credits"].is_null()) {
        if (!j["credits"].is_object()) bad_field("credits", "must be an object");
        if (j["credits"].dump().size() > 20000) bad_field("credits", "too large");
        f.credits = j["credits"];
    }
    if (auto poster = optional_string(j, "poster", 500); !poster.empty()) f.poster = poster;
    f.rights_note = optional_string(j, "rights_note", 2000);
    if (j.contains("published")) {
        if (!j["published"].is_boolean()) bad_field("published", "must be true or false");
        f.published = j["published"].get<bool>();
    }
    f.available_from = optional_time(j, "available_from");
    f.available_until = optional_time(j, "available_until");
    if (f.available_from && f.available_until && *f.available_until <= *f.available_from)
        bad_field("available_until", "must be after available_from");
    if (j.contains("texts") && !j["texts"].is_null()) {
        if (!j["texts"].is_object()) bad_field("texts", "must be an object keyed by language");
        for (const auto& [lang, text] : j["texts"].items()) {
            if (!std::regex_match(lang, language_code())) bad_field("texts", "'" + lang + "' is not a language code");
            if (!text.is_object()) bad_field("texts." + lang, "must be an object with title and synopsis");
            f.texts[lang] = film_text{optional_string(text, "title", 300), optional_string(text, "synopsis", 10000)};
        }
    }
    return f;
}

film patch_film(const film& stored, const json& patch) {
    if (!patch.is_object()) throw invalid("invalid_body", "a film patch must be a JSON object");
    json merged = film_to_json(stored, 0);
    merged.merge_patch(patch);
    film changed = film_from_json(merged);
    changed.id = stored.id;
    changed.media_version = stored.media_version;
    return changed;
}

}  // namespace festival::catalog
