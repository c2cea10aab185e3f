#include "server/api/page_texts.hpp"

#include <array>

namespace festival::server {
namespace {

struct page_entry {
    std::string_view page;
    std::array<page_text, 3> texts;  // fr, en, es
};

// clang-format off
constexpr std::array<page_entry, 13> pages{{
    {"home", {{{"Accueil", "Un festival de films en ligne et gratuit : regardez les films de la sélection, dans votre langue, où que vous soyez."},
               {"Home", "A free online film festival: watch the selected films, in your language, wherever you are."},
               {"Inicio", "Un festival de cine en línea y gratuito: vea las películas de la selección, en su idioma, dondequiera que esté."}}}},
    {"catalog", {{{"Films", "Tous les films du festival : cherchez par titre, catégorie, pays, langue ou accessibilité."},
                  {"Films", "Every film of the festival: search by title, category, country, language or accessibility."},
                  {"Películas", "Todas las películas del festival: busque por título, categoría, país, idioma o accesibilidad."}}}},
    {"about", {{{"À propos", "Le festival, ses dates, et comment regarder les films : sous-titres, audiodescription et qualité d'image."},
                {"About", "The festival, its dates, and how to watch the films: subtitles, audio description and picture quality."},
                {"Acerca de", "El festival, sus fechas y cómo ver las películas: subtítulos, audiodescripción y calidad de imagen."}}}},
    {"film", {{{"Film", "Un film du festival."},
               {"Film", "A film of the festival."},
               {"Película", "Una película del festival."}}}},
    {"premiere", {{{"Avant-première", "Une avant-première en ligne : le film à la même heure pour tous, puis la discussion."},
                   {"Premiere", "An online premiere: the film at the same time for everyone, then the conversation."},
                   {"Preestreno", "Un preestreno en línea: la película a la misma hora para todos y luego la conversación."}}}},
    {"feedback", {{{"Votre avis", "Dites-nous ce que vous avez pensé du festival."},
                   {"Your feedback", "Tell us what you thought of the festival."},
                   {"Su opinión", "Cuéntenos qué le pareció el festival."}}}},
    {"login", {{{"Connexion", "Connexion des curateurs et des organisateurs."},
                {"Sign in", "Sign-in for curators and organizers."},
                {"Iniciar sesión", "Acceso para curadores y organizadores."}}}},
    {"curator", {{{"Curation", "Les films, leurs fichiers et leurs textes."},
                  {"Curation", "The films, their files and their texts."},
                  {"Curaduría", "Las películas, sus archivos y sus textos."}}}},
    {"organizer", {{{"Statistiques du public", "Le public du festival, jour par jour et film par film."},
                    {"Audience statistics", "The festival's audience, day by day and film by film."},
                    {"Estadísticas del público", "El público del festival, día a día y película por película."}}}},
    {"moderation", {{{"Modération et avis", "Commentaires à modérer et avis du public."},
                     {"Moderation and feedback", "Comments to moderate and the audience's feedback."},
                     {"Moderación y opiniones", "Comentarios por moderar y opiniones del público."}}}},
    {"report", {{{"Rapport pour le cinéaste", "Le public d'un film pendant le festival."},
                 {"Filmmaker's report", "A film's audience over the festival."},
                 {"Informe para el cineasta", "El público de una película durante el festival."}}}},
    {"invitation", {{{"Invitation", "Une invitation à rejoindre l'équipe du festival."},
                     {"Invitation", "An invitation to join the festival's team."},
                     {"Invitación", "Una invitación a unirse al equipo del festival."}}}},
    {"account", {{{"Votre compte", "Changer votre mot de passe."},
                  {"Your account", "Change your password."},
                  {"Su cuenta", "Cambiar su contraseña."}}}},
}};

struct phrase_entry {
    std::string_view key;
    std::array<std::string_view, 3> texts;  // fr, en, es
};

constexpr std::array<phrase_entry, 5> phrases{{
    {"festival", {"Festival de films", "Film festival", "Festival de cine"}},
    {"not_found", {"Page introuvable", "Not found", "No encontrado"}},
    {"not_found_description", {"Ce film ou cette avant-première n'existe pas ou n'est pas disponible.",
                               "This film or premiere does not exist or is not available.",
                               "Esta película o este preestreno no existe o no está disponible."}},
    {"premiere", {"Avant-première : {title}", "Premiere: {title}", "Preestreno: {title}"}},
    {"feed", {"Films du festival (Atom)", "Festival films (Atom)", "Películas del festival (Atom)"}},
}};
// clang-format on

std::size_t language_index(std::string_view language) {
    if (language == "fr") return 0;
    if (language == "es") return 2;
    return 1;
}

}  // namespace

page_text page_text_for(std::string_view page_name, std::string_view language) {
    for (const auto& entry : pages)
        if (entry.page == page_name) return entry.texts[language_index(language)];
    return pages[0].texts[language_index(language)];
}

std::string page_phrase(std::string_view key, std::string_view language, std::string_view title) {
    std::string text;
    for (const auto& entry : phrases)
        if (entry.key == key) text = std::string(entry.texts[language_index(language)]);
    if (const auto at = text.find("{title}"); at != std::string::npos) text.replace(at, 7, title);
    return text;
}

std::string_view open_graph_locale(std::string_view language) {
    if (language == "fr") return "fr_FR";
    if (language == "es") return "es_ES";
    return "en_GB";
}

}  // namespace festival::server
