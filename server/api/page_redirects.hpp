#pragma once
// The festival's page addresses before they named their language ("/catalog", "/films/x",
// "/premiere.html?id=4", "/index.html"…) and where each moved: the same page under "/{lang}/". Pure, so
// the rules are tested without a server; web_pages.cpp answers them with 301.
#include <optional>
#include <string>
#include <string_view>

namespace festival::server {

// The address ("/es/films/x?t=1") that the old address `path` (percent-decoded) with its raw `query`
// moved to in `language`, or nullopt when `path` is not an old page address (assets, the API, unknown
// paths). The query is kept, except what moved into the path (a premiere's or a film's "id").
std::optional<std::string> moved_page_address(std::string_view path, std::string_view query, std::string_view language);

}  // namespace festival::server
