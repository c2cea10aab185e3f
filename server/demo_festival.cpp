#include "server/demo_festival.hpp"

#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "catalog/accounts.hpp"
#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/festival_info.hpp"
#include "catalog/film_json.hpp"
#include "catalog/film_curators.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "transcoder/process/child_process.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

constexpr std::int64_t day = 86400;

// The demo films. Screening windows are set relative to today so the demo festival is always open.
const char* demo_films_json = R"json([
  {"slug": "chemins-de-reintegration", "original_title": "Les chemins de la réintégration", "year": 2024,
   "runtime_minutes": 52, "category": "documentary", "directors": ["Awa Diallo"], "countries": ["FR", "SN"],
   "themes": ["return", "work", "family"], "spoken_languages": ["fr", "wo"], "subtitle_languages": ["fr", "en", "es"],
   "credits": {"image": "Karim Benali", "montage": "Lucie Morel", "son": "Ibrahima Sow"},
   "texts": {
     "fr": {"title": "Les chemins de la réintégration",
            "synopsis": "De retour à Dakar après huit ans en France, trois hommes racontent la réintégration dans une famille, un quartier et un métier qui ont changé sans eux."},
     "en": {"title": "The Roads Back",
            "synopsis": "Back in Dakar after eight years in France, three men tell of reintegration into a family, a neighbourhood and a trade that changed without them."},
     "es": {"title": "Los caminos de la reintegración",
            "synopsis": "De vuelta en Dakar tras ocho años en Francia, tres hombres cuentan su reintegración en una familia, un barrio y un oficio que cambiaron sin ellos."}}},
  {"slug": "mar-adentro-tierra-firme", "original_title": "Mar adentro, tierra firme", "year": 2023,
   "runtime_minutes": 94, "category": "fiction", "directors": ["Lucía Ferrer"], "countries": ["ES", "MA"],
   "themes": ["sea", "crossing", "friendship"], "spoken_languages": ["es", "ar"], "subtitle_languages": ["fr", "en", "es"],
   "credits": {"cast": ["Youssef Amrani", "Carmen Ruiz"], "photography": "Diego Salas"},
   "texts": {
     "fr": {"title": "Au large, la terre ferme", "synopsis": "Un pêcheur d'Algésiras et un adolescent de Tanger partagent un hiver sur le même bateau."},
     "en": {"title": "Out at Sea, Solid Ground", "synopsis": "A fisherman from Algeciras and a teenager from Tangier share one winter on the same boat."},
     "es": {"title": "Mar adentro, tierra firme", "synopsis": "Un pescador de Algeciras y un adolescente de Tánger comparten un invierno en el mismo barco."}}},
  {"slug": "letters-from-the-border", "original_title": "Letters from the Border", "year": 2025,
   "runtime_minutes": 14, "category": "short", "directors": ["Maya Ortiz", "Sam Keller"], "countries": ["US", "MX"],
   "themes": ["letters", "family", "border"], "spoken_languages": ["en", "es"], "subtitle_languages": ["fr", "en", "es"],
   "credits": {"animation": "Studio Norte"},
   "texts": {
     "fr": {"title": "Lettres de la frontière", "synopsis": "Une mère et sa fille s'écrivent pendant trois ans, de part et d'autre d'un mur."},
     "en": {"title": "Letters from the Border", "synopsis": "A mother and her daughter write to each other for three years, on either side of a wall."},
     "es": {"title": "Cartas desde la frontera", "synopsis": "Una madre y su hija se escriben durante tres años, a ambos lados de un muro."}}},
  {"slug": "dix-mille-kilometres", "original_title": "Dix mille kilomètres", "year": 2024,
   "runtime_minutes": 18, "category": "short", "directors": ["Moussa Keïta"], "countries": ["ML", "FR"],
   "themes": ["journey", "music"], "spoken_languages": ["fr", "bm"], "subtitle_languages": ["fr", "en", "es"],
   "credits": {"music": "Fatoumata Coulibaly"},
   "texts": {
     "fr": {"title": "Dix mille kilomètres", "synopsis": "Un musicien de Bamako compte les kilomètres jusqu'à Paris en chansons."},
     "en": {"title": "Ten Thousand Kilometres", "synopsis": "A musician from Bamako counts the kilometres to Paris in songs."},
     "es": {"title": "Diez mil kilómetros", "synopsis": "Un músico de Bamako cuenta en canciones los kilómetros hasta París."}}},
  {"slug": "la-cuisine-de-nour", "original_title": "La cuisine de Nour", "year": 2025,
   "runtime_minutes": 71, "category": "documentary", "directors": ["Nadia Haddad"], "countries": ["FR", "SY"],
   "themes": ["food", "work", "women"], "spoken_languages": ["fr", "ar"], "subtitle_languages": ["fr", "en", "es"],
   "texts": {
     "fr": {"title": "La cuisine de Nour", "synopsis": "À Lyon, une cuisinière syrienne ouvre un restaurant où l'on embauche celles qui arrivent."},
     "en": {"title": "Nour's Kitchen", "synopsis": "In Lyon, a Syrian cook opens a restaurant that hires the women who have just arrived."},
     "es": {"title": "La cocina de Nour", "synopsis": "En Lyon, una cocinera siria abre un restaurante que contrata a las mujeres recién llegadas."}}},
  {"slug": "el-ultimo-tren", "original_title": "El último tren", "year": 2022,
   "runtime_minutes": 88, "category": "fiction", "directors": ["Andrés Molina"], "countries": ["AR"],
   "themes": ["exile", "memory"], "spoken_languages": ["es"], "subtitle_languages": ["fr", "en", "es"],
   "texts": {
     "fr": {"title": "Le dernier train", "synopsis": "Buenos Aires, 1977 : une famille a une nuit pour décider de partir."},
     "en": {"title": "The Last Train", "synopsis": "Buenos Aires, 1977: a family has one night to decide whether to leave."},
     "es": {"title": "El último tren", "synopsis": "Buenos Aires, 1977: una familia tiene una noche para decidir si se va."}}}
])json";

struct subtitle_line {
    const char* fr;
    const char* en;
    const char* es;
};

// The same three lines for every demo clip, one cue each, so a viewer can check each language.
const subtitle_line demo_lines[] = {
    {"Bienvenue au festival.", "Welcome to the festival.", "Bienvenidos al festival."},
    {"Ce film est une démonstration.", "This film is a demonstration.", "Esta película es una demostración."},
    {"Merci d'être là, et bon visionnage.", "Thank you for being here, enjoy the film.",
     "Gracias por estar aquí, y buena película."},
};

std::string srt_time(int seconds) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "00:%02d:%02d,000", seconds / 60, seconds % 60);
    return buffer;
}

void write_subtitles(const std::filesystem::path& path, const std::string& lang, int clip_seconds) {
    std::ofstream out(path);
    const int cue_length = clip_seconds / 3;
    for (int i = 0; i < 3; ++i) {
        const auto& line = demo_lines[i];
        const char* text = lang == "fr" ? line.fr : lang == "es" ? line.es : line.en;
        out << i + 1 << "\n"
            << srt_time(i * cue_length) << " --> " << srt_time(i * cue_length + cue_length - 1) << "\n"
            << text << "\n\n";
    }
}

bool run_child(const std::vector<std::string>& args) {
    try {
        const int status = process::wait_for_child(process::spawn_child(args));
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    } catch (const std::system_error&) {
        return false;
    }
}

}  // namespace

bool seed_demo_catalog(catalog::database& db) {
    if (!catalog::list_all_films(db).empty()) return false;
    const auto now = catalog::unix_now();
    auto date = [&](std::int64_t offset_days) { return catalog::format_utc(now + offset_days * day).substr(0, 10); };

    catalog::festival_info info;
    info.name = "Festival Migrations en images";
    info.starts_on = date(-30);
    info.ends_on = date(120);
    info.texts["fr"] = {"Pendant cinq mois, regardez gratuitement des documentaires, des courts métrages et des fictions sur les migrations.",
                        "Merci d'avoir regardé nos films et d'avoir partagé vos commentaires. À l'année prochaine !"};
    info.texts["en"] = {"For five months, watch documentaries, shorts and fiction about migration, free of charge.",
                        "Thank you for watching our films and for sharing your comments. See you next year!"};
    info.texts["es"] = {"Durante cinco meses, mira gratis documentales, cortometrajes y ficciones sobre las migraciones.",
                        "Gracias por ver nuestras películas y por compartir sus comentarios. ¡Hasta el año que viene!"};
    catalog::save_festival(db, info);

    auto films = nlohmann::json::parse(demo_films_json);
    std::vector<std::int64_t> film_ids;
    for (std::size_t i = 0; i < films.size(); ++i) {
        auto& j = films[i];
        j["published"] = true;
        // Four films screen now, one is coming soon and one has ended.
        if (i == 4) {
            j["available_from"] = catalog::format_utc(now + 14 * day);
            j["available_until"] = catalog::format_utc(now + 100 * day);
        } else if (i == 5) {
            j["available_from"] = catalog::format_utc(now - 60 * day);
            j["available_until"] = catalog::format_utc(now - 2 * day);
        } else {
            j["available_from"] = catalog::format_utc(now - day);
            j["available_until"] = catalog::format_utc(now + 110 * day);
        }
        film_ids.push_back(catalog::create_film(db, catalog::film_from_json(j)).id);
    }
    const auto curator =
        catalog::create_user(db, "curator@demo.festival", "Demo curator", catalog::role::curator, demo_password);
    for (const auto id : film_ids) catalog::assign_film_curator(db, id, curator.id);  // the demo curator's films
    catalog::create_user(db, "organizer@demo.festival", "Demo organizer", catalog::role::organizer, demo_password);
    return true;
}

namespace {
std::atomic<bool> demo_media_stopping{false};
}

void stop_queueing_demo_media() { demo_media_stopping = true; }

void queue_demo_media(catalog::database& db, const std::string& transcoder, const std::string& data_dir) {
    const std::filesystem::path folder = std::filesystem::path(data_dir) / "demo";
    std::filesystem::create_directories(folder);
    constexpr int clip_seconds = 24;
    int index = 0;
    for (const auto& f : catalog::list_all_films(db)) {
        if (demo_media_stopping) return;
        if (f.media_version) continue;
        const auto source = folder / (f.slug + ".mp4");
        const std::string label = f.texts.count("en") ? f.texts.at("en").title : f.original_title;
        // Alternate 16:9 sizes so the demo ladders differ.
        const std::string width = index % 2 ? "854" : "1280", height = index % 2 ? "480" : "720";
        ++index;
        if (!run_child({transcoder, "demo-source", "--output", source.string(), "--seconds",
                        std::to_string(clip_seconds), "--width", width, "--height", height, "--label", label,
                        "--preset", "ultrafast"})) {
            log_event("demo_media_failed", {{"film", f.slug}});
            continue;
        }
        std::vector<catalog::subtitle_source> subtitles;
        for (const std::string lang : {"fr", "en", "es"}) {
            const auto path = folder / (f.slug + "." + lang + ".srt");
            write_subtitles(path, lang, clip_seconds);
            subtitles.push_back({lang, path.string()});
        }
        catalog::enqueue_job(db, f.id, source.string(), subtitles);
    }
}

}  // namespace festival::server
