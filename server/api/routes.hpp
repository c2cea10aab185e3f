#pragma once
#include <vector>

#include "server/festival_app.hpp"
#include "server/http/router.hpp"

namespace festival::server {

// The whole HTTP surface of the festival, read top to bottom.
std::vector<route> festival_routes(festival_app& app);

}  // namespace festival::server
