#pragma once
// What the server-side fuzz targets share: the in-process festival (a fresh catalog in a temporary
// folder and the real route table), a signed-in organizer to send staff requests as, and a film.
#include <string>

#include "tests/support/in_process_festival.hpp"

namespace festival::fuzzing {

struct fuzz_festival {
    testing::in_process_festival festival;
    std::string data_dir = festival.data_dir();
    const server::dispatcher* routes = &festival.routes();
    catalog::signed_in organizer;
    std::string film_slug;  // a film that exists, for routes that name one
};

// Built once per fuzzing process (libFuzzer calls the target many times in one process); its folder
// goes when the fuzzer exits normally, a crash leaves it for inspection.
fuzz_festival& shared_festival();

}  // namespace festival::fuzzing
