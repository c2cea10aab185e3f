#include "tests/fuzz/fuzz_support.hpp"

#include "catalog/films.hpp"

namespace festival::fuzzing {
namespace {

void prepare(fuzz_festival& made) {
    auto& festival = made.festival;
    catalog::film draft;
    draft.slug = "fuzz-film";
    draft.original_title = "Fuzz";
    draft.category = "short";
    made.film_slug = catalog::create_film(festival.db(), draft).slug;
    festival.app().refresh_availability();
    made.organizer = festival.add_staff("organizer@fuzz.festival", catalog::role::organizer).who;
}

}  // namespace

fuzz_festival& shared_festival() {
    static fuzz_festival festival;
    static const bool prepared = (prepare(festival), true);
    (void)prepared;
    return festival;
}

}  // namespace festival::fuzzing
