#include "tests/fuzz/fuzz_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "catalog/films.hpp"
#include "catalog/schema.hpp"
#include "server/config.hpp"
#include "server/api/routes.hpp"

namespace festival::fuzzing {
namespace {

fuzz_festival make_festival() {
    fuzz_festival made;
    char pattern[] = "/tmp/festival-fuzz-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    made.data_dir = pattern;
    // The folder goes when the fuzzer exits normally; a crash leaves it for inspection.
    static const std::string to_remove = made.data_dir;
    std::atexit([] { std::filesystem::remove_all(to_remove); });

    made.app = std::make_unique<server::festival_app>(
        server::load_config({"--data-dir", made.data_dir, "--transcoders", "0"}));
    std::filesystem::create_directories(made.app->settings->media_dir());
    auto& db = made.app->catalog.local();
    catalog::migrate(db);
    catalog::film draft;
    draft.slug = "fuzz-film";
    draft.original_title = "Fuzz";
    draft.category = "short";
    made.film_slug = catalog::create_film(db, draft).slug;
    made.app->refresh_availability();
    made.routes = std::make_unique<server::dispatcher>(
        server::router(server::festival_routes(*made.app)),
        [](const std::string&) { return std::optional<catalog::signed_in>(); });
    made.organizer.user = {1, "organizer@fuzz.festival", "Organizer", catalog::role::organizer};
    made.organizer.csrf_token = "fuzz-csrf-token";
    made.organizer.expires_at = 4102444800;
    return made;
}

}  // namespace

fuzz_festival& shared_festival() {
    static fuzz_festival festival = make_festival();
    return festival;
}

}  // namespace festival::fuzzing
