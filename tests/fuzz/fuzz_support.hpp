#pragma once
// What the server-side fuzz targets share: a festival with a fresh catalog in a temporary folder,
// its real route table, and a signed-in organizer to send staff requests as.
#include <memory>
#include <string>

#include "server/api/dispatcher.hpp"
#include "server/festival_app.hpp"

namespace festival::fuzzing {

struct fuzz_festival {
    std::string data_dir;
    std::unique_ptr<server::festival_app> app;
    std::unique_ptr<server::dispatcher> routes;
    catalog::signed_in organizer;
    std::string film_slug;  // a film that exists, for routes that name one
};

// Built once per fuzzing process (libFuzzer calls the target many times in one process).
fuzz_festival& shared_festival();

}  // namespace festival::fuzzing
