#pragma once
#include <string>
#include <vector>

namespace festival::server {

// `festival user add --email E --role curator|organizer [--name N] [--data-dir D]`; the password
// comes from FESTIVAL_PASSWORD or the first line of standard input.
int user_command(const std::vector<std::string>& args);

// `festival import FILE.json [--data-dir D]`: films in bulk, created or updated by slug.
int import_command(const std::vector<std::string>& args);

}  // namespace festival::server
